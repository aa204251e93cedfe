package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/progress"
	"github.com/custos-msp/custos/sync"
	"github.com/custos-msp/custos/tty"
)

// How often a sync's progress shows: redrawn on a terminal, logged elsewhere.
const (
	terminalRedraw   = 200 * time.Millisecond
	progressLogEvery = 15 * time.Second
)

// syncProgress shows a sync's progress while it runs: a live line per connector
// when standard error is a terminal (the log then writes above the lines), a
// progress record in the log every progressLogEvery otherwise.
type syncProgress struct {
	tracker  *progress.Tracker
	terminal *progress.Terminal // nil when standard error is not a terminal
}

func newSyncProgress(stderr io.Writer) *syncProgress {
	p := &syncProgress{tracker: progress.New(clock)}
	if tty.IsTerminal(stderr) {
		p.terminal = progress.NewTerminal(stderr, p.tracker, func() int { return tty.Width(stderr) })
	}
	return p
}

// options are the app's options with the tracker and the log output this shows
// progress with.
func (p *syncProgress) options() app.Options {
	var logOut io.Writer = os.Stderr
	if p.terminal != nil {
		logOut = p.terminal
	}
	return app.Options{Version: version, LogOutput: logOut, Now: clock, Progress: p.tracker}
}

// follow starts showing progress; stop shows the last state and stops.
func (p *syncProgress) follow(log zerolog.Logger) (stop func()) {
	if p.terminal != nil {
		stop := progress.Follow(p.terminal, terminalRedraw)
		return func() {
			stop()
			p.terminal.Finish()
		}
	}
	return progress.Follow(progress.Log{Logger: log, Tracker: p.tracker}, progressLogEvery)
}

// syncWithProgress pulls as a.Sync does while p shows how it goes, then writes the
// summary to w and returns the error to exit with (syncExit).
func syncWithProgress(ctx context.Context, w io.Writer, a *app.App, p *syncProgress, only string) ([]sync.Result, error) {
	stop := p.follow(a.Log)
	results, err := a.Sync(ctx, only)
	stop()
	nerr := writeAppSyncSummary(ctx, w, a)
	return results, errors.Join(syncExit(err, results), nerr)
}

// writeAppSyncSummary writes the summary of a's last sync, naming each scope by its
// customer; when the store cannot say, by the name its connector gave it, and
// returns why.
func writeAppSyncSummary(ctx context.Context, w io.Writer, a *app.App) error {
	names, err := a.ScopeNames(ctx)
	if err != nil {
		names = func(_, scope, scopeName string) string { return cmp.Or(scopeName, scope) }
	}
	writeSyncSummary(w, a.Progress.Snapshot(), names)
	return err
}

// writeSyncSummary writes a table of what each connector's run did, with totals,
// and then each distinct cause of failure once, with the scopes it affected by
// name (name gives a scope's).
func writeSyncSummary(w io.Writer, statuses []progress.Status, name func(connector, scope, scopeName string) string) {
	t := newTable(w, styleFor(w), "CONNECTOR", "SCOPES", "FAILED", "RECORDS", "REQUESTS", "THROTTLED", "TIME")
	t.ColourColumn(2, func(cell string) string {
		if cell != "0" {
			return colourRed
		}
		return ""
	})
	total := progress.Status{Connector: "total"}
	for _, s := range statuses {
		t.Row(summaryRow(s)...)
		total.Scopes += s.Scopes
		total.Done += s.Done
		total.Failed += s.Failed
		total.Records += s.Records
		total.Requests += s.Requests
		total.Throttled += s.Throttled
		total.Elapsed += s.Elapsed // the connectors run one after the other
	}
	if len(statuses) > 1 {
		t.Row(summaryRow(total)...)
	}
	_ = t.Flush()
	header := false
	for _, s := range statuses {
		for _, c := range s.Causes(func(f progress.Failure) string { return failedScope(s.Connector, f, name) }) {
			if !header {
				fmt.Fprintln(w, "\nFailures by cause:")
				header = true
			}
			fmt.Fprintf(w, "%s: %s on %s: %s\n    %s\n", s.Connector, c.Outcome, count(len(c.Scopes), "scope"), c.Message, strings.Join(c.Scopes, ", "))
		}
	}
}

// failedScope names a failed scope: by name, and an account-wide one (or a list of
// scopes that could not be read) by its stream too, since it has no name of its own.
func failedScope(connector string, f progress.Failure, name func(connector, scope, scopeName string) string) string {
	n := name(connector, f.Scope, f.ScopeName)
	if f.Scope == connectors.Account.ID || f.Scope == sync.AllScopes {
		return f.Stream + " (" + n + ")"
	}
	return n
}

// summaryRow is a connector's row of the summary table.
func summaryRow(s progress.Status) []string {
	scopes := strconv.Itoa(s.Scopes)
	if s.Done != s.Scopes {
		scopes = fmt.Sprintf("%d of %d", s.Done, s.Scopes)
	}
	return []string{
		s.Connector, scopes, strconv.Itoa(s.Failed), strconv.Itoa(s.Records), strconv.Itoa(s.Requests),
		strconv.Itoa(s.Throttled), s.Elapsed.Round(100 * time.Millisecond).String(),
	}
}

// count is n and noun, plural unless n is 1.
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// syncExit is the error a sync that ended with err exits with: the pulls' failures,
// which the summary lists by cause, as one line that counts them, and whatever else
// failed (identity mapping, the run's record) as it is.
func syncExit(err error, results []sync.Result) error {
	if err == nil {
		return nil
	}
	var (
		other  []error
		failed int
	)
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, inner := range j.Unwrap() {
				walk(inner)
			}
			return
		}
		for _, r := range results {
			if r.Err != nil && errors.Is(e, r.Err) {
				failed++
				return
			}
		}
		other = append(other, e)
	}
	walk(err)
	if failed > 0 {
		other = append(other, fmt.Errorf("sync: %s failed; the summary above gives each cause", count(failed, "pull")))
	}
	return errors.Join(other...)
}
