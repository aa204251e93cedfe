// Package duration is a time.Duration that configuration files can write in days and
// weeks ("90d", "2w") as well as Go's units ("36h", "90s").
package duration

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration that decodes from text such as "90d", "2w" or "1h30m".
type Duration time.Duration

// Std returns the duration as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// Approx writes the duration as a person reads an age: in days and hours ("1d3h"),
// hours ("5h"), or minutes ("12m"), rounded down.
func (d Duration) Approx() string {
	td := time.Duration(d)
	switch days, hours := int(td.Hours()/24), int(td.Hours())%24; {
	case days > 0 && hours > 0:
		return fmt.Sprintf("%dd%dh", days, hours)
	case days > 0:
		return fmt.Sprintf("%dd", days)
	case td >= time.Hour:
		return fmt.Sprintf("%dh", int(td.Hours()))
	}
	return fmt.Sprintf("%dm", int(td.Minutes()))
}

// String formats the duration in whole days or weeks when it is one, otherwise as Go does.
func (d Duration) String() string {
	td := time.Duration(d)
	const day = 24 * time.Hour
	switch {
	case td != 0 && td%(7*day) == 0:
		return strconv.FormatInt(int64(td/(7*day)), 10) + "w"
	case td != 0 && td%day == 0:
		return strconv.FormatInt(int64(td/day), 10) + "d"
	}
	return td.String()
}

// Parse reads "90d", "2w", "1.5d" or anything time.ParseDuration accepts.
func Parse(s string) (Duration, error) {
	s = strings.TrimSpace(s)
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if num, ok := strings.CutSuffix(s, suffix); ok {
			f, err := strconv.ParseFloat(num, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return 0, fmt.Errorf("invalid duration %q: want a number before %q", s, suffix)
			}
			v := f * float64(unit)
			if v >= math.MaxInt64 || v <= math.MinInt64 {
				return 0, fmt.Errorf("invalid duration %q: out of range", s)
			}
			return Duration(v), nil
		}
	}
	td, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: use units such as 90s, 15m, 36h, 30d or 2w", s)
	}
	return Duration(td), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }
