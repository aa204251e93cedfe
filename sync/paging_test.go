package sync_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/fixtures/fakehttp"
	fx "github.com/custos-msp/custos/fixtures/itglue"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/sync"
)

// TestITGlueSync_LoopingPagerFailsOneScopeKeepingTheStore: after a complete sync, IT
// Glue starts answering one organization's later configuration pages with the first
// page. That organization's pull fails with a paging loop (its checkpoint resumes
// after the pages committed, and none of its stored configurations is marked
// removed), the other organizations sync, and the store equals the complete sync's.
// The repeated page's records reach the sink twice within one batch; they commit
// once (PostgreSQL refuses an upsert that touches a row twice, which lost the batch).
func TestITGlueSync_LoopingPagerFailsOneScopeKeepingTheStore(t *testing.T) {
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ds := fx.Generate(3, 45, 2, now)
		srv := fx.NewServer(ds, fakeKey)
		defer srv.Close()
		conn := itglueConnector(srv, 4, zerolog.Nop())
		if _, err := engine(st, 20).Run(ctx, conn); err != nil {
			t.Fatalf("complete sync: %v", err)
		}
		before := dump(t, st)

		org := firstOrg(ds)
		loop := fakehttp.Loop("/configurations", "page[number]")
		loop.Query = map[string]string{"filter[organization_id]": org}
		srv.Inject(loop)
		results, err := engine(st, 20).Run(ctx, conn)
		if err == nil {
			t.Fatal("sync with a looping pager reported no error")
		}
		var failed []sync.Result
		for _, r := range results {
			if r.Err != nil {
				failed = append(failed, r)
			}
		}
		if len(failed) != 1 || failed[0].Key.Scope != org || failed[0].Key.Stream != "configurations" {
			t.Fatalf("failed pulls %+v, want only organization %s's configurations", failed, org)
		}
		var pe *connectors.PagingError
		if !errors.As(failed[0].Err, &pe) || !errors.Is(failed[0].Err, connectors.ErrPagingLoop) || pe.Page != 3 {
			t.Fatalf("err = %v, want a paging loop on page 3", failed[0].Err)
		}
		cp, _ := st.Checkpoint(ctx, failed[0].Key)
		if cp.Cursor == "" {
			t.Errorf("no cursor committed for the pages before the loop")
		}
		if got := dump(t, st); !reflect.DeepEqual(got, before) {
			t.Errorf("store changed by the failed pull: first difference %s", firstDifference(got, before))
		}
	})
}
