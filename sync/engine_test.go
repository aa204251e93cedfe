package sync_test

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	stdsync "sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"gorm.io/gorm"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/sync"
	"github.com/custos-msp/custos/vocab"
)

var ctx = context.Background()

// pagedStream serves pages of configurations per scope from an in-memory list; it can
// fail or panic on a given page, and counts the pages it served.
type pagedStream struct {
	scopes   []string
	perScope int
	pageSize int
	failAt   map[string]int // scope → page number that fails
	strayAt  map[string]int // scope → page number that carries a record no table holds
	panicIn  string         // scope whose pull panics

	mu     stdsync.Mutex
	served map[string][]int
}

func (s *pagedStream) Name() string          { return "configurations" }
func (s *pagedStream) Mode() connectors.Mode { return connectors.Snapshot }
func (s *pagedStream) Needs() []string       { return nil }

func (s *pagedStream) Scopes(context.Context) ([]connectors.Scope, error) {
	var out []connectors.Scope
	for _, id := range s.scopes {
		out = append(out, connectors.Scope{ID: id, Name: "org " + id})
	}
	return out, nil
}

func (s *pagedStream) Pull(ctx context.Context, scope connectors.Scope, from connectors.Cursor, sink connectors.Sink) (connectors.Cursor, error) {
	if scope.ID == s.panicIn {
		panic("connector bug")
	}
	page := 1
	if from != "" {
		page, _ = strconv.Atoi(string(from))
	}
	pages := (s.perScope + s.pageSize - 1) / s.pageSize
	for ; page <= pages; page++ {
		if s.failAt[scope.ID] == page {
			return "", fmt.Errorf("test: list configurations for organization %s page %d: HTTP 503", scope.ID, page)
		}
		s.mu.Lock()
		s.served[scope.ID] = append(s.served[scope.ID], page)
		s.mu.Unlock()
		var recs []record.Record
		for i := (page - 1) * s.pageSize; i < min(page*s.pageSize, s.perScope); i++ {
			id := fmt.Sprintf("%s-%03d", scope.ID, i)
			recs = append(recs, &record.Configuration{
				Source: "test", SourceID: id, CustomerRef: scope.ID, Name: "dev " + id, TypeName: "Firewall",
				Backups: []record.Backup{{SourceID: "b" + id, FileName: id + ".cfg", Size: int64(i)}},
			})
		}
		if s.strayAt[scope.ID] == page {
			recs = append(recs, strayRecord{})
		}
		if err := sink.Page(ctx, recs, connectors.Cursor(strconv.Itoa(page+1))); err != nil {
			return "", err
		}
	}
	return "", nil
}

type testConnector struct{ stream connectors.Stream }

func (c testConnector) Name() string                    { return "test" }
func (c testConnector) Streams() []connectors.Stream    { return []connectors.Stream{c.stream} }
func (c testConnector) Check(ctx context.Context) error { return nil }

func newStream(failAt map[string]int) *pagedStream {
	return &pagedStream{scopes: []string{"a", "b", "c"}, perScope: 23, pageSize: 4, failAt: failAt, served: map[string][]int{}}
}

func engine(st *store.Store, batch int) *sync.Engine {
	return &sync.Engine{Store: st, Log: zerolog.Nop(), BatchSize: batch, Concurrency: 2}
}

type row struct {
	SourceID, Scope, Name string
	Removed               bool
	Backups               string
}

// dump lists the stored configurations and their backups, in a comparable form.
func dump(t *testing.T, st *store.Store) []row {
	t.Helper()
	var configs []store.Configuration
	if err := storetest.DB(ctx, st).Preload("Backups", func(db *gorm.DB) *gorm.DB { return db.Order("source_id") }).Order("source_id").Find(&configs).Error; err != nil {
		t.Fatal(err)
	}
	out := make([]row, len(configs))
	for i, c := range configs {
		var files string
		for _, b := range c.Backups {
			files += b.FileName + ";"
		}
		out[i] = row{c.SourceID, c.Scope, c.Name, c.RemovedAt != nil, files}
	}
	return out
}

func TestRun_FailureAfterBatchesThenRerunEqualsUninterruptedSync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, interrupted *store.Store) {
		clean := storetest.Open(t, interrupted.Driver(), nil)
		if _, err := engine(clean, 8).Run(ctx, testConnector{newStream(nil)}); err != nil {
			t.Fatalf("uninterrupted sync: %v", err)
		}

		failing := newStream(map[string]int{"b": 5})
		results, err := engine(interrupted, 8).Run(ctx, testConnector{failing})
		if err == nil {
			t.Fatal("sync with a failing page returned no error")
		}
		var failed sync.Result
		for _, r := range results {
			if r.Key.Scope == "b" {
				failed = r
			} else if r.Err != nil {
				t.Errorf("scope %s failed with b: %v", r.Key.Scope, r.Err)
			}
		}
		// Pages 1–4 (16 records, two batches of 8) were committed before page 5 failed.
		if failed.Records != 16 || failed.Outcome != vocab.OutcomeFailed {
			t.Fatalf("failed scope: %d records, outcome %s; want 16, failed", failed.Records, failed.Outcome)
		}
		cp, _ := interrupted.Checkpoint(ctx, store.StreamKey{Connector: "test", Stream: "configurations", Scope: "b"})
		if cp.Cursor != "5" {
			t.Fatalf("cursor after failure = %q, want 5 (resume at the failed page)", cp.Cursor)
		}

		rerun := newStream(nil)
		if _, err := engine(interrupted, 8).Run(ctx, testConnector{rerun}); err != nil {
			t.Fatalf("re-run: %v", err)
		}
		if got := rerun.served["b"]; !reflect.DeepEqual(got, []int{5, 6}) {
			t.Errorf("re-run served pages %v of scope b, want [5 6] (resume, not restart)", got)
		}
		if got, want := dump(t, interrupted), dump(t, clean); !reflect.DeepEqual(got, want) {
			t.Errorf("interrupted+resumed store differs from an uninterrupted sync:\n got %v\nwant %v", got, want)
		}
		if n := len(dump(t, interrupted)); n != 3*23 {
			t.Errorf("stored %d configurations, want %d", n, 3*23)
		}
	})
}

func TestRun_ScopeFailureAndPanicDoNotStopOthers(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	s := newStream(map[string]int{"a": 1})
	s.panicIn = "c"
	results, err := engine(st, 100).Run(ctx, testConnector{s})
	if err == nil {
		t.Fatal("want an error joining the failed scopes")
	}
	outcomes := map[string]vocab.Outcome{}
	for _, r := range results {
		outcomes[r.Key.Scope] = r.Outcome
	}
	want := map[string]vocab.Outcome{"a": vocab.OutcomeFailed, "b": vocab.OutcomeOK, "c": vocab.OutcomeFailed}
	if !reflect.DeepEqual(outcomes, want) {
		t.Errorf("outcomes = %v, want %v", outcomes, want)
	}
	var covs []store.Coverage
	if err := storetest.DB(ctx, st).Order("scope").Find(&covs).Error; err != nil {
		t.Fatal(err)
	}
	if len(covs) != 3 {
		t.Fatalf("coverage rows = %d, want one per scope", len(covs))
	}
	for _, c := range covs {
		if want[c.Scope] != c.Outcome {
			t.Errorf("coverage %s outcome %s, want %s", c.Scope, c.Outcome, want[c.Scope])
		}
		if c.Outcome != "ok" && c.Error == "" {
			t.Errorf("coverage %s has no error text", c.Scope)
		}
	}
	if covs[1].Records != 23 {
		t.Errorf("scope b records = %d, want 23", covs[1].Records)
	}
}

func TestRun_SnapshotMarksVanishedRecordsRemoved(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	clock := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	e := engine(st, 10)
	e.Now = func() time.Time { return clock }
	if _, err := e.Run(ctx, testConnector{newStream(nil)}); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(time.Hour)
	smaller := newStream(nil)
	smaller.perScope = 20
	results, err := e.Run(ctx, testConnector{smaller})
	if err != nil {
		t.Fatal(err)
	}
	removed := 0
	for _, r := range results {
		removed += r.Removed
	}
	if removed != 3*3 {
		t.Errorf("removed = %d, want 9 (three vanished per scope)", removed)
	}
}

func TestRun_CancelledContextKeepsCommittedPages(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	cctx, cancel := context.WithCancel(ctx)
	s := &cancellingStream{pagedStream: newStream(nil), cancel: cancel, after: 2}
	results, _ := engine(st, 1).Run(cctx, testConnector{s})
	for _, r := range results {
		if r.Outcome != vocab.OutcomeCancelled {
			t.Errorf("scope %s outcome %s, want cancelled: %v", r.Key.Scope, r.Outcome, r.Err)
		}
		cp, _ := st.Checkpoint(ctx, r.Key)
		if r.Records > 0 && cp.Cursor == "" {
			t.Errorf("scope %s committed %d records but no cursor", r.Key.Scope, r.Records)
		}
	}
}

// cancellingStream cancels the run after a number of pages, as a SIGTERM would.
type cancellingStream struct {
	*pagedStream
	cancel context.CancelFunc
	after  int
	mu     stdsync.Mutex
	n      int
}

func (s *cancellingStream) Pull(ctx context.Context, scope connectors.Scope, from connectors.Cursor, sink connectors.Sink) (connectors.Cursor, error) {
	return s.pagedStream.Pull(ctx, scope, from, cancelSink{Sink: sink, s: s, ctx: ctx})
}

type cancelSink struct {
	connectors.Sink
	s   *cancellingStream
	ctx context.Context
}

func (c cancelSink) Page(ctx context.Context, recs []record.Record, next connectors.Cursor) error {
	if err := c.ctx.Err(); err != nil {
		return err
	}
	c.s.mu.Lock()
	c.s.n++
	if c.s.n == c.s.after {
		c.s.cancel()
	}
	c.s.mu.Unlock()
	return c.Sink.Page(ctx, recs, next)
}

func TestScopeOffset_StableWithinSpreadAndDistinct(t *testing.T) {
	spread := 10 * time.Minute
	perSecond := map[time.Duration]int{}
	for i := range 300 {
		key := store.StreamKey{Connector: "itglue", Stream: "configurations", Scope: strconv.Itoa(1000 + i)}
		d := sync.ScopeOffset(key, spread)
		if d < 0 || d >= spread {
			t.Fatalf("offset %v of %s outside [0, %v)", d, key, spread)
		}
		if d != sync.ScopeOffset(key, spread) {
			t.Fatalf("offset of %s changed between calls", key)
		}
		perSecond[d.Truncate(time.Second)]++
	}
	// 300 tenants over 600 seconds: hashed offsets put at most a handful in one second.
	for sec, n := range perSecond {
		if n > 5 {
			t.Errorf("%d tenants start in second %v", n, sec)
		}
	}
	if sync.ScopeOffset(store.StreamKey{Scope: "x"}, 0) != 0 {
		t.Error("no spread must mean no delay")
	}
}

// firstDifference describes the first row where two dumps differ.
func firstDifference(got, want []row) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("at %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(got), len(want))
}
