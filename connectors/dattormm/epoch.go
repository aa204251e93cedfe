package dattormm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// maxEpochSeconds is the largest value read as epoch seconds; a larger one is epoch
// milliseconds. Datto sends device, user and detail dates in milliseconds and activity
// dates in seconds (with a fraction at times), so both units are read everywhere.
const maxEpochSeconds = 9_999_999_999

// epoch is a Datto timestamp: epoch seconds or milliseconds, as a JSON number or a
// numeric string (or an RFC 3339 string, as the API specification types them). Null,
// 0 and negative values, such as the DateTime.MinValue sentinel -62135596800000, mean
// "never" and leave it unset.
type epoch struct {
	t   time.Time
	set bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (e *epoch) UnmarshalJSON(b []byte) error {
	t, ok, err := parseEpoch(b)
	if err != nil {
		return err
	}
	*e = epoch{t: t, set: ok}
	return nil
}

// ptr returns the time, or nil when unset.
func (e epoch) ptr() *time.Time {
	if !e.set {
		return nil
	}
	t := e.t
	return &t
}

// parseEpoch reads a timestamp; ok is false for null, "", 0 and negative values.
func parseEpoch(raw []byte) (time.Time, bool, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, false, nil
	}
	s := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, false, fmt.Errorf("%s is not a timestamp", excerpt(raw))
		}
		if s == "" {
			return time.Time{}, false, nil
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.UTC(), true, nil
		}
	}
	ms, err := epochMillis(s)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%s is not a timestamp", excerpt(raw))
	}
	if ms <= 0 {
		return time.Time{}, false, nil
	}
	return time.UnixMilli(ms).UTC(), true, nil
}

// epochMillis reads an epoch number in seconds or milliseconds as milliseconds.
func epochMillis(s string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > maxEpochSeconds || n < -maxEpochSeconds {
			return n, nil
		}
		return n * 1000, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errors.New("not a number")
	}
	if math.Abs(f) > maxEpochSeconds {
		return int64(math.Round(f)), nil
	}
	return int64(math.Round(f * 1000)), nil
}
