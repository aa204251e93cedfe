package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/custos-msp/custos/reconcile"
)

func TestWriteReconcile_PrintsEachFailedRule(t *testing.T) {
	res := reconcile.Result{Health: reconcile.Healths{
		{Rule: reconcile.RuleAuditGap},
		{Rule: reconcile.RuleReportMissing, Err: errors.New("panicked: bug")},
	}}
	res.Opened = 2
	var out strings.Builder
	writeReconcile(&out, res)
	for _, want := range []string{
		"findings: 2 opened, 0 re-opened, 0 still open, 0 resolved\n",
		"rule REPORT-MISSING failed, its findings are left as they were: panicked: bug\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), reconcile.RuleAuditGap) {
		t.Errorf("output names a rule that did not fail:\n%s", out.String())
	}
}

// TestReconcile_IncrementalAndFull runs reconcile on the demo twice: with nothing
// changed since the demo's own run it checks no customer's access events, and with
// --full it checks every customer's again and finds the same findings.
func TestReconcile_IncrementalAndFull(t *testing.T) {
	config, _ := demoStore(t)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"reconcile"}, []string{"access checked: no customers, 0 events\n", "findings: 0 opened, 0 re-opened"}},
		{[]string{"reconcile", "--full"}, []string{"access checked: all, ", "findings: 0 opened, 0 re-opened", ", 0 resolved\n"}},
	} {
		out := mustRun(t, append([]string{"--config", config}, tc.args...)...)
		for _, want := range tc.want {
			if !strings.Contains(out, want) {
				t.Errorf("%v: output lacks %q:\n%s", tc.args, want, out)
			}
		}
	}
}
