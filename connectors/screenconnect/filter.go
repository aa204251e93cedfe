package screenconnect

import (
	"strings"
	"time"
)

// filterTime is the date format of the filter language; dates are UTC.
const filterTime = "2006-01-02 15:04:05"

// sessionTypeNames and processTypeNames are the SessionType and ProcessType enums,
// indexed by value.
var (
	sessionTypeNames = []string{"Support", "Meeting", "Access"}
	processTypeNames = []string{"Unknown", "Host", "Guest"}
)

// quote writes s as a filter-language string: single quotes, a quote doubled.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// equals is field = 'value'.
func equals(field, value string) string { return field + " = " + quote(value) }

// anyOf is (field = 'a' OR field = 'b' …).
func anyOf(field string, values []string) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = equals(field, v)
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// within is field >= 'from' AND field < 'to', the window rounded out to whole
// seconds (the filter's precision).
func within(field string, w window) string {
	from := w.from.UTC().Truncate(time.Second)
	to := w.to.UTC()
	if !to.Equal(to.Truncate(time.Second)) {
		to = to.Truncate(time.Second).Add(time.Second)
	}
	return field + " >= " + quote(from.Format(filterTime)) + " AND " + field + " < " + quote(to.Format(filterTime))
}

// and joins conditions with AND.
func and(conds ...string) string { return strings.Join(conds, " AND ") }
