package reconcile

import (
	"fmt"
	"strings"
	"time"

	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// RuleGrantorNotAuthorised is the id of GRANTOR-NOT-AUTHORISED.
const RuleGrantorNotAuthorised = "GRANTOR-NOT-AUTHORISED"

var grantorNotAuthorised = Spec{
	Key: "grantor_not_authorised", Severity: vocab.Medium,
	Description: "an authorisation was granted by someone who is not an authorisation contact of the customer (in the PSA or `[authorisations] contacts`)",
	New:         func() Settings { return &GrantorNotAuthorised{} },
}

// GrantorNotAuthorised fires for an authorisation granted by someone who is not one
// of the customer's authorisation contacts: in the PSA, or listed in the
// configuration.
type GrantorNotAuthorised struct {
	Base
	// contacts holds, by normalised customer name, the names and e-mail addresses
	// of the configured authorisation contacts.
	contacts map[string][]string
}

// Build returns the rule with the contacts of [authorisations] contacts, by
// normalised customer name.
func (r *GrantorNotAuthorised) Build(env Env) Evaluator {
	built := GrantorNotAuthorised{Base: r.Base, contacts: map[string][]string{}}
	for name, list := range env.Authorisations.Contacts {
		key := mapping.NormaliseName(name)
		built.contacts[key] = append(built.contacts[key], list...)
	}
	return built
}

// ID implements Rule.
func (GrantorNotAuthorised) ID() string { return RuleGrantorNotAuthorised }

// perCustomer implements CustomerRule: a finding is about one authorisation, judged
// by its customer's name and contacts.
func (GrantorNotAuthorised) perCustomer() {}

// Evaluate implements Rule.
func (r GrantorNotAuthorised) Evaluate(in *Input, _ time.Time) []Finding {
	var out []Finding
	for _, a := range in.Grants {
		if r.authorised(a, in.Contacts[*a.CustomerID]) {
			continue
		}
		who := fmt.Sprintf("%q, who is not an authorisation contact of %s", a.GrantedBy, a.CustomerName)
		if strings.TrimSpace(a.GrantedBy) == "" {
			who = "nobody on record"
		}
		out = append(out, Finding{
			Rule:       r.ID(),
			Subject:    fmt.Sprintf("%s:authorisation:%s", a.Source, a.SourceID),
			CustomerID: a.CustomerID,
			Severity:   r.Severity,
			Summary: fmt.Sprintf("authorisation %d (%s, from %s) was granted by %s",
				a.ID, a.AccessScope, a.ValidFrom.UTC().Format(time.DateOnly), who),
			Evidence:     []string{store.Ref[store.Authorisation](a.ID)},
			TechnicianID: a.TechnicianID,
			DeviceID:     a.DeviceID,
		})
	}
	return out
}

// authorised reports whether a's grantor is one of contacts or a configured contact,
// by the PSA's contact id, e-mail address or name.
func (r GrantorNotAuthorised) authorised(a store.CheckedAuthorisation, contacts []store.Contact) bool {
	granted := strings.TrimSpace(a.GrantedBy)
	if granted == "" && a.GrantedByRef == "" {
		return false
	}
	same := func(nameOrEmail string) bool {
		nameOrEmail = strings.TrimSpace(nameOrEmail)
		if nameOrEmail == "" || granted == "" {
			return false
		}
		return strings.EqualFold(nameOrEmail, granted) || mapping.NormalisePerson(nameOrEmail) == mapping.NormalisePerson(granted)
	}
	for _, c := range contacts {
		if (a.GrantedByRef != "" && c.Source == a.Source && c.SourceID == a.GrantedByRef) || same(c.Email) || same(c.Name) {
			return true
		}
	}
	for _, c := range r.contacts[mapping.NormaliseName(a.CustomerName)] {
		if same(c) {
			return true
		}
	}
	return false
}
