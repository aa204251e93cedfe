package sync_test

import (
	"fmt"
	stdsync "sync"
	"testing"

	"gorm.io/gorm"

	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/vocab"
)

// strayRecord is a record of a type no table holds: writing it fails.
type strayRecord struct{}

func (strayRecord) RecordKey() record.Key { return record.Key{Source: "test", SourceID: "stray"} }

// countStatements counts the INSERTs into table that st runs from now on.
func countStatements(t *testing.T, st *store.Store, table string) func() int {
	t.Helper()
	var (
		mu stdsync.Mutex
		n  int
	)
	name := "test:count_" + table
	err := storetest.DB(ctx, st).Callback().Create().After("gorm:create").Register(name, func(db *gorm.DB) {
		if db.Statement.Table == table {
			mu.Lock()
			n++
			mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return func() int {
		mu.Lock()
		defer mu.Unlock()
		return n
	}
}

func TestRun_SmallScopesShareTransactions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		s := &pagedStream{perScope: 3, pageSize: 3, served: map[string][]int{}}
		for i := range 60 {
			s.scopes = append(s.scopes, fmt.Sprintf("org%02d", i))
		}
		saves := countStatements(t, st, "checkpoints")
		e := engine(st, 500)
		e.Concurrency = 4
		results, err := e.Run(ctx, testConnector{s})
		if err != nil {
			t.Fatal(err)
		}
		// One transaction saves its checkpoints in one statement; a transaction per
		// page and one per completion would be 120.
		if n := saves(); n > 10 {
			t.Errorf("60 scopes of 3 records saved checkpoints in %d statements, want a few shared transactions", n)
		}
		for _, r := range results {
			if r.Outcome != vocab.OutcomeOK || r.Records != 3 {
				t.Errorf("%s: outcome %s, %d records, want ok and 3 (%v)", r.Key, r.Outcome, r.Records, r.Err)
			}
		}
		if n := count(t, st, &store.Configuration{}); n != 180 {
			t.Errorf("stored %d configurations, want 180", n)
		}
		if n := count(t, st, &store.Coverage{}, "outcome = ? AND records = 3", vocab.OutcomeOK); n != 60 {
			t.Errorf("%d coverage rows of 3 records, want 60", n)
		}
		if n := count(t, st, &store.Checkpoint{}, "cursor = ''"); n != 60 {
			t.Errorf("%d completed checkpoints, want 60", n)
		}
	})
}

func TestRun_ScopeThatCannotBeWrittenFailsAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		// Eight scopes of one page of 3 records each: pages of three scopes commit
		// together, the one of b with a record no table holds.
		s := &pagedStream{perScope: 3, pageSize: 3, strayAt: map[string]int{"b": 1}, served: map[string][]int{}}
		s.scopes = []string{"a", "b", "c", "d", "e", "f", "g", "h"}
		e := engine(st, 10)
		e.Concurrency = 8
		results, err := e.Run(ctx, testConnector{s})
		if err == nil {
			t.Fatal("a scope whose page cannot be written reported no error")
		}
		for _, r := range results {
			want, records := vocab.OutcomeOK, 3
			if r.Key.Scope == "b" {
				want, records = vocab.OutcomeFailed, 0
			}
			if r.Outcome != want || r.Records != records {
				t.Errorf("%s: outcome %s, %d records, want %s and %d (%v)", r.Key, r.Outcome, r.Records, want, records, r.Err)
			}
		}
		if n := count(t, st, &store.Configuration{}); n != 7*3 {
			t.Errorf("stored %d configurations, want the 21 of the seven other scopes", n)
		}
		if n := count(t, st, &store.Checkpoint{}); n != 7 {
			t.Errorf("%d checkpoints, want the seven other scopes' (b's pull never committed)", n)
		}
		if n := count(t, st, &store.Coverage{}, "scope = ? AND outcome = ? AND error <> ''", "b", vocab.OutcomeFailed); n != 1 {
			t.Errorf("scope b has %d failed coverage rows with an error, want 1", n)
		}
	})
}

func count(t *testing.T, st *store.Store, model any, where ...any) int64 {
	t.Helper()
	return storetest.Count(t, st, model, where...)
}
