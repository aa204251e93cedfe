package screenconnect

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ScreenConnect writes times in five encodings (reference §2.5). Each parser below
// returns nil for "no time": ScreenConnect's "never" is year 0001 (often
// 0001-01-01T00:00:00 with no zone), never a real date.

// textLayouts are the date-time texts accepted, most likely first: ISO 8601 with up
// to 7 fractional digits and a zone (the RESTful API's, and what the fake serves in
// Report.json), then the same without a zone (UTC), with a space instead of the T,
// and .NET's en-US default.
var textLayouts = []string{
	"2006-01-02T15:04:05.9999999Z07:00",
	"2006-01-02T15:04:05.9999999",
	"2006-01-02 15:04:05.9999999Z07:00",
	"2006-01-02 15:04:05.9999999",
	"1/2/2006 3:04:05 PM",
	"2006-01-02",
}

// parseText reads a date-time written as text, leniently: every layout of
// textLayouts, and ASP.NET's "/Date(ms)/". A value without a zone is UTC. The empty
// string and year 0001 are no time.
func parseText(s string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if inner, ok := strings.CutPrefix(s, "/Date("); ok {
		inner, ok = strings.CutSuffix(inner, ")/")
		// A zone offset may follow the milliseconds: /Date(1700000000000+0000)/.
		if i := strings.IndexAny(inner[min(1, len(inner)):], "+-"); i >= 0 {
			inner = inner[:i+1]
		}
		n, err := strconv.ParseInt(inner, 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("%q is not a /Date(ms)/ time", s)
		}
		return orNever(time.UnixMilli(n))
	}
	for _, layout := range textLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return orNever(t)
		}
	}
	return nil, fmt.Errorf("%q is not a ScreenConnect time", s)
}

// fromSecondsBefore reads a time written as seconds elapsed before base (PageService
// GetLiveData's durations).
func fromSecondsBefore(base time.Time, seconds float64) (*time.Time, error) {
	if math.IsNaN(seconds) || math.IsInf(seconds, 0) {
		return nil, fmt.Errorf("%v is not a number of seconds", seconds)
	}
	if math.Abs(seconds) >= maxSeconds {
		// Further back than a time.Duration reaches: only "never" is that old.
		return nil, nil
	}
	return orNever(base.Add(-time.Duration(seconds * float64(time.Second))))
}

// fromBaseMillis reads a time written as milliseconds relative to a response's
// BaseTime (PageService GetSessionDetails events).
func fromBaseMillis(base time.Time, millis float64) (*time.Time, error) {
	if math.IsNaN(millis) || math.IsInf(millis, 0) {
		return nil, fmt.Errorf("%v is not a number of milliseconds", millis)
	}
	if math.Abs(millis) >= maxSeconds*1000 {
		return nil, nil
	}
	return orNever(base.Add(time.Duration(millis * float64(time.Millisecond))))
}

// maxSeconds is the longest time.Duration, in seconds (about 292 years).
const maxSeconds = float64(math.MaxInt64) / float64(time.Second)

// unixEpochTicks is 1970-01-01T00:00:00Z in .NET ticks (100 ns since 0001-01-01).
const unixEpochTicks = 621355968000000000

// fromTicks reads a .NET ticks value (Session.db, DateTimeFormat=Ticks, UTC).
func fromTicks(ticks int64) (*time.Time, error) {
	if ticks < 0 {
		return nil, fmt.Errorf("%d is not a ticks value", ticks)
	}
	d := ticks - unixEpochTicks
	return orNever(time.Unix(d/1e7, (d%1e7)*100))
}

// toTicks writes t as .NET ticks.
func toTicks(t time.Time) int64 {
	return t.Unix()*1e7 + int64(t.Nanosecond()/100) + unixEpochTicks
}

// orNever returns t in UTC, or nil when it is in year 0001 or before.
func orNever(t time.Time) (*time.Time, error) {
	t = t.UTC()
	if t.Year() <= 1 {
		return nil, nil
	}
	return &t, nil
}
