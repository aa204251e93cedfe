package report

import (
	"fmt"
	"maps"
	"slices"
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
