package reconcile_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

var ctx = context.Background()

// seed stores one customer organization with one firewall and maps it.
func seed(t *testing.T, st *store.Store, backups ...record.Backup) {
	t.Helper()
	recs := []record.Record{
		&record.Organization{Source: "itglue", SourceID: "1", Name: "Contoso Ltd", Status: "Active"},
		&record.Configuration{Source: "itglue", SourceID: "10", CustomerRef: "1", Name: "CON-FW01", TypeName: "Firewall", Backups: backups},
	}
	key := store.StreamKey{Connector: "itglue", Stream: "test", Scope: "1"}
	if err := st.CommitPage(ctx, store.Page{Key: key, Records: recs, SeenAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := mapping.Resolve(ctx, st, mapping.Options{CreateFrom: []string{"itglue"}}, now); err != nil {
		t.Fatal(err)
	}
}

func openFindings(t *testing.T, st *store.Store) []store.FindingView {
	t.Helper()
	fs, err := st.Findings(ctx, store.FindingFilter{Status: store.StatusOpen})
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestEngine_RerunDoesNotDuplicateAndFixResolves(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seed(t, st)
		e := &reconcile.Engine{Store: st, Rules: []reconcile.Rule{reconcile.ConfigBackupMissing{Base: reconcile.Base{Severity: "high"}}}, Log: zerolog.Nop()}
		for i := range 2 {
			if _, err := e.Run(ctx, now.Add(time.Duration(i)*time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		fs := openFindings(t, st)
		if len(fs) != 1 || fs[0].CustomerName != "Contoso Ltd" || fs[0].Rule != reconcile.RuleConfigBackupMissing {
			t.Fatalf("open findings after two runs = %+v, want one CONFIG-BACKUP-MISSING for Contoso Ltd", fs)
		}

		seed(t, st, record.Backup{SourceID: "b1", FileName: "CON-FW01.conf", CreatedAt: now})
		res, err := e.Run(ctx, now.Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if res.Resolved != 1 || len(openFindings(t, st)) != 0 {
			t.Errorf("after the backup appeared: %+v, %d open; want the finding resolved", res, len(openFindings(t, st)))
		}
	})
}

// panicRule stands for a rule with a bug.
type panicRule struct{}

func (panicRule) ID() string                                               { return reconcile.RuleConfigBackupMissing }
func (panicRule) Evaluate(*reconcile.Input, time.Time) []reconcile.Finding { panic("bug") }

func TestEngine_FailingRuleLeavesItsFindings(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	seed(t, st)
	good := &reconcile.Engine{Store: st, Rules: []reconcile.Rule{reconcile.ConfigBackupMissing{Base: reconcile.Base{Severity: "high"}}}, Log: zerolog.Nop()}
	if _, err := good.Run(ctx, now); err != nil {
		t.Fatal(err)
	}
	broken := &reconcile.Engine{Store: st, Rules: []reconcile.Rule{panicRule{}, reconcile.ConfigBackupStale{Base: reconcile.Base{Severity: "low"}, MaxAge: duration.Duration(time.Hour)}}, Log: zerolog.Nop()}
	res, err := broken.Run(ctx, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Health.Failed()) != 1 || res.Resolved != 0 {
		t.Errorf("result = %+v, want one failed rule and nothing resolved", res)
	}
	if len(openFindings(t, st)) != 1 {
		t.Error("a rule that panicked had its findings resolved")
	}
}

// TestEngine_FailedRuleHealth: a rule that panics is reported failed with its error,
// its findings are left as they were, and the other rules' findings are recorded.
func TestEngine_FailedRuleHealth(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	seed(t, st)
	good := &reconcile.Engine{Store: st, Rules: []reconcile.Rule{reconcile.ConfigBackupMissing{Base: reconcile.Base{Severity: "high"}}}, Log: zerolog.Nop()}
	if _, err := good.Run(ctx, now); err != nil {
		t.Fatal(err)
	}
	// A backup two days old: CONFIG-BACKUP-MISSING would resolve, CONFIG-BACKUP-STALE
	// (one hour) fires.
	seed(t, st, record.Backup{SourceID: "b1", FileName: "CON-FW01.conf", CreatedAt: now.Add(-48 * time.Hour)})
	stale := reconcile.ConfigBackupStale{Base: reconcile.Base{Severity: "low"}, MaxAge: duration.Duration(time.Hour)}
	broken := &reconcile.Engine{Store: st, Rules: []reconcile.Rule{panicRule{}, stale}, Log: zerolog.Nop()}
	at := now.Add(time.Hour)
	res, err := broken.Run(ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Health) != 2 {
		t.Fatalf("health = %+v, want one per rule", res.Health)
	}
	failed, ok := res.Health[0], res.Health[1]
	if failed.Rule != reconcile.RuleConfigBackupMissing || failed.Err == nil || !strings.Contains(failed.Err.Error(), "panicked: bug") || !failed.At.Equal(at) {
		t.Errorf("health of the panicking rule = %+v, want failed at %s with its panic", failed, at)
	}
	if ok.Rule != reconcile.RuleConfigBackupStale || ok.Err != nil || ok.Findings != 1 || ok.Duration < 0 {
		t.Errorf("health of the working rule = %+v, want no error and one finding", ok)
	}
	if got := res.Health.Failed(); len(got) != 1 || got[0].Rule != reconcile.RuleConfigBackupMissing {
		t.Errorf("Failed() = %+v", got)
	}
	rules := map[string]int{}
	for _, f := range openFindings(t, st) {
		rules[f.Rule]++
	}
	if rules[reconcile.RuleConfigBackupMissing] != 1 || rules[reconcile.RuleConfigBackupStale] != 1 || res.Opened != 1 || res.Resolved != 0 {
		t.Errorf("open findings by rule %v, result %+v: want the panicking rule's finding kept and the other's opened", rules, res.Result)
	}
}
