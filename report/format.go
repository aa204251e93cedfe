package report

import "time"

// stamp, day and optDay are how both renderers print times: in the report's zone,
// to the minute or the day.
func stamp(t time.Time) string { return t.Format("2006-01-02 15:04") }

func day(t time.Time) string { return t.Format(time.DateOnly) }

func optDay(t *time.Time) string {
	if t == nil {
		return ""
	}
	return day(*t)
}
