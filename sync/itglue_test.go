package sync_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	"github.com/custos-msp/custos/connectors/itglue"
	fx "github.com/custos-msp/custos/fixtures/itglue"
	"github.com/custos-msp/custos/secret"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/sync"
	"github.com/custos-msp/custos/vocab"
)

const fakeKey = "ITG.5e0c1d2b3a4f56789abcdef012345678.sYnCtEsTkEy"

// itglueConnector returns the real connector pointed at the fake server, with short
// retry waits and small pages.
func itglueConnector(srv *fx.Server, pageSize int, log zerolog.Logger) *itglue.Connector {
	cfg := config.Default().Connectors.ITGlue
	cfg.Enabled = true
	cfg.BaseURL = srv.URL()
	cfg.PageSize = pageSize
	cfg.HTTP = connectortest.FastHTTP(2 * time.Second)
	cfg.RequestsPerSecond = 10000 // the sync benchmark reads thousands of pages
	return itglue.New(cfg, secret.New(fakeKey), connectors.Deps{UserAgent: "Custos/test", Logger: log, Redactor: secret.NewRedactor()})
}

func firstOrg(ds *fx.Dataset) string { return ds.Organizations[0].ID }

func TestITGlueSync_FailureAfterBatchesThenRerunEqualsUninterrupted(t *testing.T) {
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	storetest.Each(t, func(t *testing.T, interrupted *store.Store) {
		ds := fx.Generate(3, 45, 2, now)
		srv := fx.NewServer(ds, fakeKey)
		defer srv.Close()
		conn := itglueConnector(srv, 4, zerolog.Nop())

		clean := storetest.Open(t, interrupted.Driver(), nil)
		if _, err := engine(clean, 20).Run(ctx, conn); err != nil {
			t.Fatalf("uninterrupted sync: %v", err)
		}

		org := firstOrg(ds)
		srv.Inject(fx.Fault{Path: "/configurations", Status: 503, Query: map[string]string{"filter[organization_id]": org, "page[number]": "3"}})
		results, err := engine(interrupted, 20).Run(ctx, conn)
		if err == nil {
			t.Fatal("sync with a failing page reported no error")
		}
		var failed *sync.Result
		for i, r := range results {
			if r.Key.Scope == org && r.Key.Stream == "configurations" {
				failed = &results[i]
			}
		}
		if failed == nil || failed.Err == nil {
			t.Fatalf("no failed result for organization %s: %+v", org, results)
		}
		for _, want := range []string{"itglue", "configurations", org, "page 3"} {
			if !strings.Contains(failed.Err.Error(), want) {
				t.Errorf("error %q does not name %q", failed.Err, want)
			}
		}
		cp, _ := interrupted.Checkpoint(ctx, failed.Key)
		if cp.Cursor == "" || failed.Records == 0 {
			t.Fatalf("nothing committed before the failing page: cursor %q, records %d", cp.Cursor, failed.Records)
		}

		srv.ClearFaults()
		if _, err := engine(interrupted, 20).Run(ctx, conn); err != nil {
			t.Fatalf("re-run: %v", err)
		}
		if got, want := dump(t, interrupted), dump(t, clean); !reflect.DeepEqual(got, want) {
			t.Errorf("interrupted+resumed store differs from an uninterrupted sync: %d vs %d rows, first difference %s", len(got), len(want), firstDifference(got, want))
		}
	})
}

func TestITGlueSync_TransientAndBadPages(t *testing.T) {
	now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		fault       fx.Fault
		wantErr     bool
		wantOutcome vocab.Outcome
	}{
		{"429 with Retry-After is waited out", fx.Fault{Status: 429, RetryAfter: "1", Times: 1}, false, vocab.OutcomeOK},
		{"repeated 5xx fails the scope", fx.Fault{Status: 500}, true, vocab.OutcomeFailed},
		{"malformed page stores nothing of it", fx.Fault{Malformed: true}, true, vocab.OutcomeFailed},
		{"truncated page stores nothing of it", fx.Fault{Truncated: true}, true, vocab.OutcomeFailed},
		{"401 is access denied", fx.Fault{Status: 401}, true, vocab.OutcomeAccessDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// 30 devices over 4 network types: 7 or 8 of each, so pages of 3 give
			// every type a page 2.
			ds := fx.Generate(1, 30, 1, now)
			srv := fx.NewServer(ds, fakeKey)
			defer srv.Close()
			var logs bytes.Buffer
			conn := itglueConnector(srv, 3, zerolog.New(&logs))
			st := storetest.Open(t, "sqlite", nil)
			org := firstOrg(ds)
			f := tt.fault
			f.Path, f.Query = "/configurations", map[string]string{"page[number]": "2"}
			srv.Inject(f)

			results, err := engine(st, 1).Run(ctx, conn)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			var res sync.Result
			for _, r := range results {
				if r.Key.Stream == "configurations" {
					res = r
				}
			}
			if res.Outcome != tt.wantOutcome {
				t.Errorf("outcome = %s, want %s (%v)", res.Outcome, tt.wantOutcome, res.Err)
			}
			var n int64
			storetest.DB(ctx, st).Model(&store.Configuration{}).Count(&n)
			cp, _ := st.Checkpoint(ctx, store.StreamKey{Connector: "itglue", Stream: "configurations", Scope: org})
			if tt.wantErr {
				// Page 1 of the first network type (3 configurations) committed;
				// nothing of page 2 or after.
				if n != 3 {
					t.Errorf("stored %d configurations, want the 3 of page 1", n)
				}
				if cp.Cursor == "" {
					t.Error("cursor after page 1 not kept")
				}
			} else if n != 30 || cp.Cursor != "" {
				t.Errorf("stored %d configurations with cursor %q, want 30 and a completed pull", n, cp.Cursor)
			}
			var cov store.Coverage
			storetest.DB(ctx, st).Where("stream = ? AND scope = ?", "configurations", org).Take(&cov)
			if cov.Outcome != tt.wantOutcome {
				t.Errorf("coverage outcome = %q, want %s", cov.Outcome, tt.wantOutcome)
			}
			if strings.Contains(logs.String(), fakeKey) || (res.Err != nil && strings.Contains(res.Err.Error(), fakeKey)) {
				t.Error("the API key reached a log line or an error")
			}
		})
	}
}
