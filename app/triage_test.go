package app_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/demo"
	"github.com/custos-msp/custos/findings"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// demoConfig starts the demo's fake vendors and returns its configuration, with the
// store on driver: the demo's SQLite file, or a fresh PostgreSQL schema.
func demoConfig(t *testing.T, driver string) string {
	t.Helper()
	var pg store.Options
	if driver == "postgres" {
		pg = storetest.Options(t, "postgres") // skips without a test DSN
	}
	env, err := demo.Start(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	if driver == "sqlite" {
		return env.ConfigPath
	}
	text, err := os.ReadFile(env.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	pgText := strings.Replace(string(text), "driver = \"sqlite\"\npath = \"custos.db\"", "driver = \"postgres\"\ndsn = { env = \"CUSTOS_TRIAGE_TEST_DSN\" }", 1)
	if pgText == string(text) {
		t.Fatal("the demo configuration has no [store] block to replace")
	}
	if err := os.WriteFile(env.ConfigPath, []byte(pgText), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CUSTOS_TRIAGE_TEST_DSN", pg.DSN)
	return env.ConfigPath
}

func openDemoApp(t *testing.T, ctx context.Context, configPath string) *app.App {
	t.Helper()
	cfg, err := app.LoadConfig(configPath)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(ctx, cfg, app.Options{Version: "test", LogOutput: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// triaged is what a test expects of a finding after triage: its status, who set it,
// and its history as "actor action".
func triaged(t *testing.T, ctx context.Context, st *store.Store, ref string) string {
	t.Helper()
	f, err := st.FindingByRef(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	es, err := st.FindingHistory(ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	var history []string
	for _, e := range es {
		history = append(history, e.Actor+" "+e.Action)
	}
	return fmt.Sprintf("%s by %s, assigned to %q: %s", f.Status, f.StatusBy, f.Assignee, strings.Join(history, ", "))
}

func TestTriage_SurvivesReconcileAndRestart(t *testing.T) {
	for _, driver := range []string{"sqlite", "postgres"} {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			configPath := demoConfig(t, driver)
			a := openDemoApp(t, ctx, configPath)
			if results, err := a.Sync(ctx, ""); err != nil && !demo.Planted(results) {
				t.Fatal(err)
			}
			if _, err := a.Reconcile(ctx); err != nil {
				t.Fatal(err)
			}
			open, err := a.Findings(ctx, store.FindingFilter{Status: store.StatusOpen})
			if err != nil || len(open) < 2 {
				t.Fatalf("the demo has %d open findings (%v), want at least 2", len(open), err)
			}
			acked, resolved := open[0].Fingerprint, open[1].Fingerprint
			for _, step := range []struct {
				ref    string
				action findings.Action
				note   string
				to     string
			}{
				{acked, findings.Acknowledged, "ticket 4411: the customer asked for it", ""},
				{acked, findings.Commented, "waiting for the customer's e-mail", ""},
				{acked, findings.Assigned, "", "Bob Jones"},
				{resolved, findings.Resolved, "false positive: the device was retired", ""},
			} {
				if _, _, err := a.Triage(ctx, step.ref, step.action, "priya", step.note, step.to); err != nil {
					t.Fatalf("%s %s: %v", step.action, step.ref, err)
				}
			}
			want := map[string]string{
				acked:    `acknowledged by priya, assigned to "Bob Jones": custos opened, priya acknowledged, priya commented, priya assigned`,
				resolved: `resolved by priya, assigned to "": custos opened, priya resolved`,
			}
			check := func(when string, st *store.Store) {
				t.Helper()
				for ref, w := range want {
					if got := triaged(t, ctx, st, ref); got != w {
						t.Errorf("%s: finding %s is %s\nwant %s", when, ref, got, w)
					}
				}
			}
			// The rules find both again, with the same evidence: the acknowledged one
			// stays acknowledged, the one resolved by hand stays resolved.
			res, err := a.Reconcile(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if res.Reopened != 0 || res.Opened != 0 {
				t.Errorf("the reconcile after triage opened %d and re-opened %d findings, want none", res.Opened, res.Reopened)
			}
			check("after a reconcile", a.Store)
			if err := a.Close(); err != nil {
				t.Fatal(err)
			}

			a = openDemoApp(t, ctx, configPath)
			defer a.Close()
			check("after a restart", a.Store)
			if _, err := a.Reconcile(ctx); err != nil {
				t.Fatal(err)
			}
			check("after a restart and a reconcile", a.Store)
			fs, err := a.Findings(ctx, store.FindingFilter{Status: store.StatusOpen})
			if err != nil || slices.ContainsFunc(fs, func(f store.FindingView) bool { return f.Fingerprint == acked || f.Fingerprint == resolved }) {
				t.Errorf("open findings after the restart include a triaged one (%v)", err)
			}
		})
	}
}
