package reconcile

import "testing"

func TestGDAPGlobalAdmin(t *testing.T) {
	// Fires for "ga"; not for the same role on a terminated relationship, nor for a
	// least-privilege role.
	assertFindings(t, defaultRule(t, RuleGDAPGlobalAdmin), plantedM365(), m365Now,
		[]string{"m365:relationship:ga"}, "grants Global Administrator")
}

func TestGDAPGlobalAdmin_Validate(t *testing.T) {
	tests := []struct {
		roles []string
		want  int
	}{
		{[]string{GlobalAdministratorRole}, 0},
		{[]string{"62E90394-69F5-4237-9190-012177145E10"}, 0},
		{[]string{"Global Administrator", GlobalAdministratorRole}, 1},
	}
	for _, tt := range tests {
		r := &GDAPGlobalAdmin{ForbiddenRoles: tt.roles}
		if got := r.Validate(); len(got) != tt.want || (tt.want > 0 && got[0].Key != "forbidden_roles[0]") {
			t.Errorf("Validate(%q) = %q, want %d problem(s) at forbidden_roles[0]", tt.roles, got, tt.want)
		}
	}
}
