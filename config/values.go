package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// The value types below decode themselves from the file's text (encoding.TextUnmarshaler)
// and refuse what they cannot read, so a loaded Config holds only valid values and no
// consumer parses a string a second time. Each also encodes back to the text it read.

// ClockTime is a time of day, "HH:MM" in the file, held as minutes after midnight.
type ClockTime int

// ParseClockTime reads "HH:MM" (00:00 to 23:59).
func ParseClockTime(s string) (ClockTime, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(h) != 2 || len(m) != 2 || !digits(h) || !digits(m) {
		return 0, fmt.Errorf("%q is not a time of day such as 07:30", s)
	}
	hours, minutes := int(h[0]-'0')*10+int(h[1]-'0'), int(m[0]-'0')*10+int(m[1]-'0')
	if hours > 23 || minutes > 59 {
		return 0, fmt.Errorf("%q is not a time of day such as 07:30", s)
	}
	return ClockTime(hours*60 + minutes), nil
}

func digits(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0
}

// Hour is the hour of the time of day, 0 to 23.
func (c ClockTime) Hour() int { return int(c) / 60 }

// Minute is the minute within the hour, 0 to 59.
func (c ClockTime) Minute() int { return int(c) % 60 }

// Of returns the time of day of t, in t's location.
func Of(t time.Time) ClockTime { return ClockTime(t.Hour()*60 + t.Minute()) }

// String writes "HH:MM".
func (c ClockTime) String() string { return fmt.Sprintf("%02d:%02d", c.Hour(), c.Minute()) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (c *ClockTime) UnmarshalText(b []byte) error {
	v, err := ParseClockTime(string(b))
	*c = v
	return err
}

// MarshalText implements encoding.TextMarshaler.
func (c ClockTime) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Window is a daily stretch of time, "HH:MM-HH:MM" in the file; it wraps past
// midnight when End is before Start (22:00-07:00). An empty window is the zero value.
type Window struct {
	Start, End ClockTime
	// Set says the file named a window.
	Set bool
}

// ParseWindow reads "HH:MM-HH:MM" with different start and end.
func ParseWindow(s string) (Window, error) {
	a, b, found := strings.Cut(s, "-")
	start, err1 := ParseClockTime(a)
	end, err2 := ParseClockTime(b)
	if !found || err1 != nil || err2 != nil || start == end {
		return Window{}, fmt.Errorf("%q is not a window such as 22:00-07:00", s)
	}
	return Window{Start: start, End: end, Set: true}, nil
}

// Contains says whether the time of day of t (in t's location) is inside the window;
// nothing is inside an unset window.
func (w Window) Contains(t time.Time) bool {
	if !w.Set {
		return false
	}
	m := Of(t)
	if w.Start < w.End {
		return m >= w.Start && m < w.End
	}
	return m >= w.Start || m < w.End
}

// String writes "HH:MM-HH:MM", or "" for an unset window.
func (w Window) String() string {
	if !w.Set {
		return ""
	}
	return w.Start.String() + "-" + w.End.String()
}

// UnmarshalText implements encoding.TextUnmarshaler; empty text leaves the window unset.
func (w *Window) UnmarshalText(b []byte) error {
	if strings.TrimSpace(string(b)) == "" {
		*w = Window{}
		return nil
	}
	v, err := ParseWindow(string(b))
	*w = v
	return err
}

// MarshalText implements encoding.TextMarshaler.
func (w Window) MarshalText() ([]byte, error) { return []byte(w.String()), nil }

// Day is a day of the week, written mon, tue, wed, thu, fri, sat or sun.
type Day time.Weekday

// weekdayNames are the names in time.Weekday's order (Sunday first).
var weekdayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseDay reads a three-letter day name, case-insensitively.
func ParseDay(s string) (Day, error) {
	i := slices.Index(weekdayNames, strings.ToLower(strings.TrimSpace(s)))
	if i < 0 {
		return 0, fmt.Errorf("%q is not one of %s", s, strings.Join(weekdayNames, ", "))
	}
	return Day(i), nil
}

// Std returns the day as a time.Weekday.
func (d Day) Std() time.Weekday { return time.Weekday(d) }

// String writes the three-letter name.
func (d Day) String() string { return weekdayNames[d] }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Day) UnmarshalText(b []byte) error {
	v, err := ParseDay(string(b))
	*d = v
	return err
}

// MarshalText implements encoding.TextMarshaler.
func (d Day) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Location is an IANA time zone, e.g. Europe/London. The zero value is unset, which
// the file writes as "" and which stands for UTC.
type Location struct {
	loc *time.Location
}

// LoadLocation reads an IANA zone name; "" and "UTC" are UTC.
func LoadLocation(name string) (Location, error) {
	loc, err := time.LoadLocation(strings.TrimSpace(name))
	if err != nil {
		return Location{}, fmt.Errorf("%q is not an IANA time zone such as Europe/London: %w", name, err)
	}
	return Location{loc: loc}, nil
}

// IsSet says whether the file named a zone.
func (l Location) IsSet() bool { return l.loc != nil }

// Std returns the zone as a *time.Location (UTC when unset).
func (l Location) Std() *time.Location {
	if l.loc == nil {
		return time.UTC
	}
	return l.loc
}

// String writes the zone's name (UTC when unset).
func (l Location) String() string { return l.Std().String() }

// UnmarshalText implements encoding.TextUnmarshaler; empty text leaves it unset.
func (l *Location) UnmarshalText(b []byte) error {
	if strings.TrimSpace(string(b)) == "" {
		*l = Location{}
		return nil
	}
	v, err := LoadLocation(string(b))
	*l = v
	return err
}

// MarshalText implements encoding.TextMarshaler; an unset zone is "".
func (l Location) MarshalText() ([]byte, error) {
	if !l.IsSet() {
		return []byte{}, nil
	}
	return []byte(l.String()), nil
}

// cronParser reads the five-field cron expressions of schedules and descriptors such
// as @hourly or @every 90m.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Schedule is a cron schedule, as its expression and the parsed schedule. The zero
// value is unset (a connector without its own schedule uses schedules.sync).
type Schedule struct {
	spec  string
	sched cron.Schedule
}

// ParseSchedule reads a five-field cron expression or a descriptor.
func ParseSchedule(spec string) (Schedule, error) {
	spec = strings.TrimSpace(spec)
	sched, err := cronParser.Parse(spec)
	if err != nil {
		return Schedule{}, fmt.Errorf("%q is not a cron schedule (five fields, or @hourly, @every 90m): %w", spec, err)
	}
	return Schedule{spec: spec, sched: sched}, nil
}

// MustSchedule is ParseSchedule for the defaults, which are known to be valid.
func MustSchedule(spec string) Schedule {
	s, err := ParseSchedule(spec)
	if err != nil {
		panic(err)
	}
	return s
}

// IsSet says whether the file named a schedule.
func (s Schedule) IsSet() bool { return s.sched != nil }

// Cron returns the parsed schedule, for robfig/cron.
func (s Schedule) Cron() cron.Schedule { return s.sched }

// String writes the expression as the file gave it.
func (s Schedule) String() string { return s.spec }

// UnmarshalText implements encoding.TextUnmarshaler; empty text leaves it unset.
func (s *Schedule) UnmarshalText(b []byte) error {
	if strings.TrimSpace(string(b)) == "" {
		*s = Schedule{}
		return nil
	}
	v, err := ParseSchedule(string(b))
	*s = v
	return err
}

// MarshalText implements encoding.TextMarshaler.
func (s Schedule) MarshalText() ([]byte, error) { return []byte(s.spec), nil }

// Pattern is a regular expression (Go's RE2 syntax) compiled when the file is read.
type Pattern struct {
	*regexp.Regexp
}

// CompilePattern compiles a regular expression; the error says where it is wrong.
func CompilePattern(expr string) (Pattern, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return Pattern{}, fmt.Errorf("invalid regular expression: %w", err)
	}
	return Pattern{re}, nil
}

// MustPattern is CompilePattern for the defaults, which are known to be valid.
func MustPattern(expr string) Pattern {
	p, err := CompilePattern(expr)
	if err != nil {
		panic(err)
	}
	return p
}

// String writes the expression; "" when unset.
func (p Pattern) String() string {
	if p.Regexp == nil {
		return ""
	}
	return p.Regexp.String()
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *Pattern) UnmarshalText(b []byte) error {
	v, err := CompilePattern(string(b))
	*p = v
	return err
}

// MarshalText implements encoding.TextMarshaler.
func (p Pattern) MarshalText() ([]byte, error) { return []byte(p.String()), nil }
