package reconcile_test

import (
	"cmp"
	"strings"
	"testing"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/store"
)

// TestGrantorNotAuthorised shows the rule firing for a grantor who is no
// authorisation contact and not for one who is: in the PSA (by contact id, e-mail
// address or name) or in [authorisations] contacts, with case, spacing and word order
// of names and e-mail addresses as the rule compares them. Disabled or
// non-authorising PSA contacts never reach the rule: the store leaves them out
// (Store.AuthorisationContacts).
func TestGrantorNotAuthorised(t *testing.T) {
	cfg := config.Default()
	cfg.Authorisations.Contacts = map[string][]string{"CONTOSO LIMITED": {"Mary Major", "it@contoso.example"}}
	rule := findRule(t, configured(t, &cfg), reconcile.RuleGrantorNotAuthorised)
	const contoso = uint(7)
	psa := map[uint][]store.Contact{contoso: {
		{Pulled: store.Pulled{Source: "autotask", SourceID: "c-1"}, Name: "Jane Doe", Email: "jane.doe@contoso.example"},
	}}
	tests := []struct {
		name      string
		grantedBy string
		ref       string
		// source is the authorisation's source; the PSA's (autotask) when empty.
		source   string
		customer string
		fires    bool
		says     string
	}{
		{"a stranger", "John Smith", "", "", "Contoso Ltd", true, `"John Smith", who is not an authorisation contact of Contoso Ltd`},
		{"nobody on record", "  ", "", "", "Contoso Ltd", true, "was granted by nobody on record"},
		{"PSA contact by id", "someone", "c-1", "", "Contoso Ltd", false, ""},
		{"PSA contact by id of another source", "someone", "c-1", "register", "Contoso Ltd", true, "not an authorisation contact"},
		{"PSA contact by name, other case and spacing", "  jane DOE ", "", "", "Contoso Ltd", false, ""},
		{"PSA contact by name, surname first", "Doe, Jane", "", "", "Contoso Ltd", false, ""},
		{"PSA contact by e-mail, other case", "Jane.Doe@Contoso.Example", "", "", "Contoso Ltd", false, ""},
		{"configured contact, customer named another way", "mary major", "", "", "Contoso Ltd.", false, ""},
		{"configured contact by e-mail", "IT@contoso.example ", "", "", "Contoso Ltd", false, ""},
		{"configured contact of another customer", "Mary Major", "", "", "Fabrikam", true, "not an authorisation contact of Fabrikam"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := store.CheckedAuthorisation{CustomerName: tt.customer}
			a.ID, a.AccessScope, a.ValidFrom = 42, "remote", now
			a.Source, a.SourceID = cmp.Or(tt.source, "autotask"), "auth-1"
			customer := contoso
			a.CustomerID = &customer
			a.GrantedBy, a.GrantedByRef = tt.grantedBy, tt.ref
			fs := rule.Evaluate(&reconcile.Input{Grants: []store.CheckedAuthorisation{a}, Contacts: psa}, now)
			if (len(fs) == 1) != tt.fires || len(fs) > 1 {
				t.Fatalf("findings = %+v, want fires=%v", fs, tt.fires)
			}
			if !tt.fires {
				return
			}
			if f := fs[0]; !strings.Contains(f.Summary, tt.says) || f.Subject != a.Source+":authorisation:auth-1" || f.Evidence[0] != "authorisations:42" {
				t.Errorf("finding %q / %q / %v, want a summary saying %q", f.Subject, f.Summary, f.Evidence, tt.says)
			}
		})
	}
}

// findRule returns the rule id of set.
func findRule(t *testing.T, set *reconcile.RuleSet, id string) reconcile.Rule {
	t.Helper()
	for _, r := range set.Rules {
		if r.ID() == id {
			return r
		}
	}
	t.Fatalf("%s is not enabled", id)
	return nil
}
