package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// streamCoverage summarises, per stream that ever read the customer, the pulls of
// [from, until): how many succeeded, what failed, and for streams that read time
// windows, the windows read and the stretches of at least tolerance none read.
func streamCoverage(streams []store.CoveredStream, rows []store.Coverage, from, until time.Time, tolerance time.Duration) []StreamCoverage {
	byStream := map[store.CoveredStream][]store.Coverage{}
	for _, c := range rows {
		k := store.CoveredStream{Connector: c.Connector, Stream: c.Stream}
		byStream[k] = append(byStream[k], c)
	}
	out := make([]StreamCoverage, 0, len(streams))
	for _, k := range streams {
		out = append(out, oneStream(k, byStream[k], from, until, tolerance))
	}
	return out
}

func oneStream(k store.CoveredStream, rows []store.Coverage, from, until time.Time, tolerance time.Duration) StreamCoverage {
	sc := StreamCoverage{Connector: k.Connector, Stream: k.Stream, Pulls: len(rows)}
	failures := map[vocab.Outcome]int{}
	var windows []Span
	for _, c := range rows {
		if c.WindowStart != nil && c.WindowEnd != nil {
			sc.Windowed = true
		}
		if c.Outcome != vocab.OutcomeOK {
			failures[c.Outcome]++
			continue
		}
		sc.OK++
		sc.Records += c.Records
		finished := c.FinishedAt.In(from.Location())
		if sc.LastOK == nil || finished.After(*sc.LastOK) {
			sc.LastOK = &finished
		}
		if c.WindowStart != nil && c.WindowEnd != nil {
			windows = append(windows, Span{c.WindowStart.In(from.Location()), c.WindowEnd.In(from.Location())})
		}
	}
	for _, outcome := range slices.Sorted(maps.Keys(failures)) {
		sc.Failures = append(sc.Failures, fmt.Sprintf("%d %s", failures[outcome], outcome))
	}
	if sc.Windowed {
		sc.Windows = merge(windows, from, until)
		sc.Gaps = gaps(sc.Windows, from, until, tolerance)
	}
	switch {
	case sc.OK == 0:
		sc.Status = CoverageNoData
	case len(sc.Gaps) > 0:
		sc.Status = CoverageGaps
	case len(sc.Failures) > 0:
		sc.Status = CoverageErrors
	default:
		sc.Status = CoverageComplete
	}
	return sc
}

// merge clips the spans to [from, until) and joins those that overlap or touch.
func merge(spans []Span, from, until time.Time) []Span {
	var clipped []Span
	for _, s := range spans {
		if s.From.Before(from) {
			s.From = from
		}
		if s.To.After(until) {
			s.To = until
		}
		if s.To.After(s.From) {
			clipped = append(clipped, s)
		}
	}
	slices.SortFunc(clipped, func(a, b Span) int { return a.From.Compare(b.From) })
	var out []Span
	for _, s := range clipped {
		if n := len(out); n > 0 && !s.From.After(out[n-1].To) {
			if s.To.After(out[n-1].To) {
				out[n-1].To = s.To
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// gaps lists the stretches of [from, until) that no window covers and that last at
// least tolerance.
func gaps(windows []Span, from, until time.Time, tolerance time.Duration) []Span {
	var out []Span
	at := from
	for _, w := range append(slices.Clone(windows), Span{until, until}) {
		if w.From.Sub(at) >= tolerance {
			out = append(out, Span{at, w.From})
		}
		if w.To.After(at) {
			at = w.To
		}
	}
	return out
}

// sourceNames are the names a customer knows each connector's source by.
var sourceNames = map[string]string{
	"m365": "Microsoft 365", "o365audit": "Microsoft 365 audit log", "screenconnect": "ScreenConnect",
	"dattormm": "Datto RMM", "itglue": "IT Glue", "autotask": "Autotask",
}

// SourceLine is one source's coverage in a sentence, for the customer variant.
type SourceLine struct {
	Source string
	// Said is what was read: "read for the whole month", "no data 3–5 December".
	Said string
	// Complete is true when the source was read for the whole period.
	Complete bool
}

// sourceLines says per source (connector), in one sentence each, what its streams
// read of the period: all of it, all but some stretches, or nothing. The streams'
// detail stays in the internal variant's table.
func sourceLines(streams []StreamCoverage, from, until time.Time, partial bool) []SourceLine {
	bySource := map[string][]StreamCoverage{}
	var order []string
	for _, s := range streams {
		if _, seen := bySource[s.Connector]; !seen {
			order = append(order, s.Connector)
		}
		bySource[s.Connector] = append(bySource[s.Connector], s)
	}
	whole := "read for the whole month"
	if partial {
		whole = "read for the month so far"
	}
	var out []SourceLine
	for _, source := range order {
		var unread []string
		var gaps []Span
		for _, s := range bySource[source] {
			switch s.Status {
			case CoverageNoData:
				unread = append(unread, s.Stream)
			case CoverageGaps:
				gaps = append(gaps, s.Gaps...)
			}
		}
		line := SourceLine{Source: cmp.Or(sourceNames[source], source)}
		switch {
		case len(unread) == len(bySource[source]):
			line.Said = "not read this month: an absence of findings from it is not evidence that nothing happened"
		case len(unread) > 0:
			line.Said = "partly read: " + strings.Join(unread, ", ") + " not read this month"
		case len(gaps) > 0:
			var days []string
			for _, g := range merge(gaps, from, until) {
				days = append(days, dayRange(g.From, g.To))
			}
			line.Said = "no data " + strings.Join(days, ", ")
		default:
			line.Said, line.Complete = whole, true
		}
		out = append(out, line)
	}
	return out
}

// dayRange says a stretch in days: "3 December", "3–5 December", "30 November – 2 December".
func dayRange(from, to time.Time) string {
	last := to.Add(-time.Nanosecond)
	switch {
	case from.YearDay() == last.YearDay() && from.Year() == last.Year():
		return from.Format("2 January")
	case from.Month() == last.Month():
		return fmt.Sprintf("%d–%s", from.Day(), last.Format("2 January"))
	}
	return from.Format("2 January") + " – " + last.Format("2 January")
}
