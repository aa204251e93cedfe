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
