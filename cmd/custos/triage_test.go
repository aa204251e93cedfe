package main

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

func TestFindingsTriage_AckCommentResolveAndExplain(t *testing.T) {
	config, db := demoStore(t)
	t.Setenv("USER", "priya")
	st := openTestStore(t, db)
	var f store.Finding
	if err := storetest.DB(context.Background(), st).Where("status = ? AND rule = ?", store.StatusOpen, "ACCESS-UNAUTHORISED").Order("id").First(&f).Error; err != nil {
		t.Fatal(err)
	}
	st.Close()
	id := strconv.FormatUint(uint64(f.ID), 10)
	steps := []struct {
		args []string
		says []string
	}{
		{[]string{"ack", id, "--note", "ticket 4411: the customer asked for it"},
			[]string{"priya acknowledged finding " + id + " (ACCESS-UNAUTHORISED, high) at ", ": ticket 4411: the customer asked for it", "nobody is alerted again unless it escalates"}},
		{[]string{"assign", f.Fingerprint, "--to", "Bob Jones", "--by", "sam"}, []string{"sam assigned finding " + id + " (ACCESS-UNAUTHORISED, high) to Bob Jones at "}},
		{[]string{"comment", id, "--note", "customer will confirm by e-mail"}, []string{"priya commented on finding " + id}},
		{[]string{"resolve", id, "--note", "customer confirmed in writing"},
			[]string{"priya resolved finding " + id, "stays resolved unless its rule finds it again with new evidence"}},
	}
	for _, s := range steps {
		out := mustRun(t, append([]string{"--config", config, "findings"}, append(s.args, "--timezone", "UTC")...)...)
		for _, want := range s.says {
			if !strings.Contains(out, want) {
				t.Errorf("findings %v lacks %q:\n%s", s.args, want, out)
			}
		}
	}
	for _, bad := range []struct {
		args []string
		says string
	}{
		{[]string{"ack", id, "--note", "again"}, "finding " + id + " (ACCESS-UNAUTHORISED): cannot be acknowledged: it is resolved (by priya), not open"},
		{[]string{"reopen", id}, `required flag(s) "note" not set`},
		{[]string{"assign", id, "--note", "x"}, `required flag(s) "to" not set`},
		{[]string{"comment", "999999", "--note", "x"}, "finding 999999: not found"},
	} {
		out, err := run(t, append([]string{"--config", config, "findings"}, bad.args...)...)
		if err == nil || !strings.Contains(err.Error(), bad.says) {
			t.Errorf("findings %v: %v, want an error saying %q\n%s", bad.args, err, bad.says, out)
		}
	}

	mustRun(t, "--config", config, "reconcile")
	out := mustRun(t, "--config", config, "explain", id, "--timezone", "UTC")
	for _, want := range []string{
		"ACCESS-UNAUTHORISED, high, resolved", "status       resolved by priya: customer confirmed in writing", "assigned to  Bob Jones",
		"History:\n", " UTC  opened by custos\n", " UTC  acknowledged by priya: ticket 4411: the customer asked for it\n",
		" UTC  assigned by sam to Bob Jones\n", " UTC  commented by priya: customer will confirm by e-mail\n",
		" UTC  resolved by priya: customer confirmed in writing\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain %s lacks %q:\n%s", id, want, out)
		}
	}
	if strings.Contains(out, "reopened") {
		t.Errorf("a reconcile with the same evidence re-opened a finding resolved by hand:\n%s", out)
	}
}
