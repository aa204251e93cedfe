package reconcile_test

import (
	"strings"
	"testing"

	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/store"
)

func TestMappingUnresolved(t *testing.T) {
	rule := defaultRules(t)[reconcile.RuleMappingUnresolved]
	in := &reconcile.Input{Unresolved: []store.Unresolved{
		{Kind: store.LinkCustomer, Source: "screenconnect", Ref: "Contso", Name: "Contso", Records: 4, First: hoursAgo(50), Last: hoursAgo(1)},
		{Kind: store.LinkCustomer, Source: "screenconnect", Ref: "", Name: "(none)", Records: 1, First: hoursAgo(5), Last: hoursAgo(5)},
		{Kind: store.LinkTechnician, Source: "screenconnect", Ref: "helpdesk-temp", Name: "helpdesk-temp", Records: 2, First: hoursAgo(5), Last: hoursAgo(4)},
	}}
	fs := rule.Evaluate(in, now)
	want := []struct{ subject, says string }{
		{"screenconnect:customer:Contso", `screenconnect customer "Contso" matches no customer: 4 records`},
		{"screenconnect:customer:", "screenconnect records name no customer: 1 records"},
		{"screenconnect:technician:helpdesk-temp", `"helpdesk-temp" matches no technician: 2 records`},
	}
	if len(fs) != len(want) {
		t.Fatalf("findings = %+v, want %d", fs, len(want))
	}
	for i, w := range want {
		if fs[i].Subject != w.subject || !strings.Contains(fs[i].Summary, w.says) {
			t.Errorf("finding %d = %q / %q, want %q saying %q", i, fs[i].Subject, fs[i].Summary, w.subject, w.says)
		}
	}
	if got := rule.Evaluate(&reconcile.Input{}, now); len(got) != 0 {
		t.Errorf("nothing unresolved gave %+v", got)
	}
}
