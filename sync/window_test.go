package sync_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/vocab"
)

// windowStream reads days one after the other, from its cursor (a day index) up to
// days: one access event per day, one page per day, and the day reported covered
// after its page. It fails on failDay, and hands over a record the store cannot
// commit on badDay.
type windowStream struct {
	first   time.Time
	days    int
	failDay int // 0: never
	badDay  int // 0: never
	// skipTo is the first day the source still keeps: days before it are lost,
	// as audit content older than the API's retention is.
	skipTo int
	// noWindows makes it report nothing, as a snapshot stream.
	noWindows bool
}

func (s *windowStream) Name() string          { return "activity" }
func (s *windowStream) Mode() connectors.Mode { return connectors.Incremental }
func (s *windowStream) Needs() []string       { return nil }
func (s *windowStream) Scopes(context.Context) ([]connectors.Scope, error) {
	return []connectors.Scope{connectors.Account}, nil
}

func (s *windowStream) Pull(ctx context.Context, _ connectors.Scope, from connectors.Cursor, sink connectors.Sink) (connectors.Cursor, error) {
	day := 1
	if from != "" {
		_, _ = fmt.Sscan(string(from), &day)
	}
	day = max(day, s.skipTo)
	for ; day <= s.days; day++ {
		if day == s.failDay {
			return "", fmt.Errorf("test: list activity of day %d: HTTP 503", day)
		}
		start := s.first.AddDate(0, 0, day-1)
		ev := &record.AccessEvent{Source: "test", SourceID: fmt.Sprint("ev-", day), Kind: record.KindRemoteSession,
			Action: "remote", StartedAt: start.Add(time.Hour), CustomerRef: "c1", ActorRef: "alice"}
		var rec record.Record = ev
		if day == s.badDay {
			rec = unstorable{ev.RecordKey()}
		}
		if err := sink.Page(ctx, []record.Record{rec}, connectors.Cursor(fmt.Sprint(day+1))); err != nil {
			return "", err
		}
		if !s.noWindows {
			sink.Covered(start, start.AddDate(0, 0, 1))
		}
	}
	return connectors.Cursor(fmt.Sprint(day)), nil
}

// unstorable is a record of a type the store has no table for.
type unstorable struct{ key record.Key }

func (u unstorable) RecordKey() record.Key { return u.key }

func TestRun_CoverageCarriesTheWindowsCommitted(t *testing.T) {
	first := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	day := func(n int) time.Time { return first.AddDate(0, 0, n-1) }
	tests := []struct {
		name   string
		stream *windowStream
		batch  int
		// wantFrom and wantTo are the coverage row's window; zero for none.
		wantFrom, wantTo time.Time
		wantOutcome      vocab.Outcome
	}{
		{"every day read, one batch", &windowStream{first: first, days: 5}, 100, day(1), day(6), "ok"},
		{"every day read, a batch per page", &windowStream{first: first, days: 5}, 1, day(1), day(6), "ok"},
		{"failure on day 4 keeps days 1-3", &windowStream{first: first, days: 5, failDay: 4}, 2, day(1), day(4), "failed"},
		{"a batch that fails to commit drops the windows after it", &windowStream{first: first, days: 5, badDay: 3}, 1, day(1), day(3), "failed"},
		{"failure on day 1 has no window", &windowStream{first: first, days: 5, failDay: 1}, 2, time.Time{}, time.Time{}, "failed"},
		{"a stream that reports no window", &windowStream{first: first, days: 5, noWindows: true}, 2, time.Time{}, time.Time{}, "ok"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				_, _ = engine(st, tc.batch).Run(ctx, testConnector{tc.stream})
				var covs []store.Coverage
				if err := storetest.DB(ctx, st).Order("id").Find(&covs).Error; err != nil {
					t.Fatal(err)
				}
				if len(covs) != 1 {
					t.Fatalf("coverage rows = %d, want 1", len(covs))
				}
				c := covs[0]
				if c.Outcome != tc.wantOutcome {
					t.Errorf("outcome = %s, want %s (%s)", c.Outcome, tc.wantOutcome, c.Error)
				}
				if got, want := window(c), fmt.Sprint(tc.wantFrom, " – ", tc.wantTo); got != want {
					t.Errorf("window = %s, want %s", got, want)
				}
			})
		})
	}
}

// TestRun_ResumedPullCoversWhatItReads checks that the pull after a failure records
// the days it read, so the two rows together cover the whole stretch.
func TestRun_ResumedPullCoversWhatItReads(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	first := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	_, _ = engine(st, 1).Run(ctx, testConnector{&windowStream{first: first, days: 5, failDay: 3}})
	if _, err := engine(st, 1).Run(ctx, testConnector{&windowStream{first: first, days: 5}}); err != nil {
		t.Fatal(err)
	}
	var covs []store.Coverage
	if err := storetest.DB(ctx, st).Order("id").Find(&covs).Error; err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range covs {
		got = append(got, string(c.Outcome)+" "+window(c))
	}
	want := []string{
		"failed " + fmt.Sprint(first, " – ", first.AddDate(0, 0, 2)),
		"ok " + fmt.Sprint(first.AddDate(0, 0, 2), " – ", first.AddDate(0, 0, 5)),
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("coverage rows = %q, want %q", got, want)
	}
}

// window prints a coverage row's window in UTC; the zero times when it has none.
func window(c store.Coverage) string {
	var from, to time.Time
	if c.WindowStart != nil {
		from = c.WindowStart.UTC()
	}
	if c.WindowEnd != nil {
		to = c.WindowEnd.UTC()
	}
	return fmt.Sprint(from, " – ", to)
}
