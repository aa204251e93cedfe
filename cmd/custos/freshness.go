package main

import (
	"fmt"
	"io"
	"time"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/duration"
)

// writeFreshness prints, per enabled source, when it was last read for the scope
// shown, so an empty list is never taken for "all clear" without data:
//
//	Sources read:
//	  itglue: read 2026-12-06 04:59 UTC (12m ago)
//	  m365: never read
//	  dattormm: 1 of 3 scopes failing since 2026-12-06 05:00 UTC (1h ago); read 2026-12-06 05:00 UTC (1h ago)
func writeFreshness(w io.Writer, f app.Freshness) {
	label := "Sources read"
	if f.Customer != "" {
		label += " for " + f.Customer + " (its scopes and account-wide ones)"
	}
	fmt.Fprintln(w, label+":")
	for _, s := range f.Sources {
		fmt.Fprintf(w, "  %s: %s\n", s.Connector, describeSource(s, f.At))
	}
}

// describeSource says how one source's pulls have gone, relative to now.
func describeSource(s app.Source, now time.Time) string {
	read := "never read"
	if !s.NeverRead() {
		read = "read " + stamp(*s.LastRead, now)
	}
	if s.FailingSince == nil {
		return read
	}
	return fmt.Sprintf("%d of %d scopes failing since %s; %s", s.Failing, s.Scopes, stamp(*s.FailingSince, now), read)
}

// stamp writes an instant with how long before now it was.
func stamp(t, now time.Time) string {
	at := t.UTC().Format("2006-01-02 15:04 MST")
	if ago := now.Sub(t); ago >= time.Minute {
		return fmt.Sprintf("%s (%s ago)", at, duration.Duration(ago).Approx())
	}
	return at + " (just now)"
}
