// Package mapping resolves identities across tools: what each source calls a customer
// (an IT Glue organization, a Datto RMM site, a ScreenConnect company value), a
// technician (a ScreenConnect display name, a Datto RMM username) and a machine (an
// IT Glue configuration, a Datto RMM device, a ScreenConnect guest) is tied to one
// canonical row through link rows that record how each tie was made. Automatic matches
// use normalised names, domains and serial numbers; manual links override them; what
// cannot be tied stays unresolved, never dropped.
package mapping

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/store"
)

// Link methods.
const (
	MethodCreated = "auto:created"
	MethodName    = "auto:name"
	MethodDomain  = "auto:domain"
	MethodAlias   = "auto:alias"
	MethodEmail   = "auto:email"
	MethodSerial  = "auto:serial"
	MethodHost    = "auto:hostname"
	MethodManual  = "manual"
)

// Options configures customer resolution.
type Options struct {
	// CreateFrom lists the sources whose organizations create customers; other
	// sources only link to customers that already exist.
	CreateFrom []string
	// InactiveStatuses are source status names that mark an organization offboarded.
	InactiveStatuses []string
	// Domains maps a customer's name to its domains, for organizations whose name
	// matches no customer.
	Domains map[string][]string
	// Technicians are the MSP's technicians from the configuration.
	Technicians []config.Technician
	// PartnerDomains are the partner (MSP) tenant's Microsoft 365 domains, whose
	// partner technician forms resolve to technicians (see PartnerNames).
	PartnerDomains []string
}

// Result counts what Resolve did.
type Result struct {
	// Linked, Created and Unresolved count organizations.
	Linked     int
	Created    int
	Unresolved int
	// TechniciansLinked and DevicesLinked count new technician and device links.
	TechniciansLinked int
	DevicesLinked     int
}

// Resolve links every unlinked organization to a customer (by normalised name, or by
// creating the customer when its source may create customers), every tool account and
// actor to a technician and every machine to a device, then copies the new links' ids
// onto the records that name them, all kinds in one pass, and updates each customer's
// status from the organizations that created it.
func Resolve(ctx context.Context, st *store.Store, opts Options, now time.Time) (Result, error) {
	var res Result
	err := st.ResolveIdentities(ctx, func(ids *store.Identities) error {
		if err := refreshCustomerKeys(ids); err != nil {
			return err
		}
		unlinked, err := ids.UnlinkedOrganizations()
		if err != nil {
			return fmt.Errorf("mapping: %w", err)
		}
		for _, org := range unlinked {
			made, err := linkOrganization(ids, org, opts)
			if err != nil {
				return err
			}
			switch made {
			case "":
				res.Unresolved++
			case MethodCreated:
				res.Created++
				res.Linked++
			default:
				res.Linked++
			}
		}
		if res.TechniciansLinked, err = resolveTechnicians(ids, opts.Technicians, opts.PartnerDomains); err != nil {
			return err
		}
		if res.DevicesLinked, err = resolveDevices(ids); err != nil {
			return err
		}
		if err := ids.Propagate(store.LinkCustomer, store.LinkTechnician, store.LinkDevice); err != nil {
			return fmt.Errorf("mapping: %w", err)
		}
		return updateStatuses(ids, opts, now)
	})
	return res, err
}

// refreshCustomerKeys brings each customer's stored name key up to what NormaliseName
// makes of its name today, so that a change of the normalisation ("Contoso L.L.C."
// read as "contoso") matches new spellings to the existing customer instead of
// creating another. A key another customer holds already is left as it was: the two
// stay apart, and a person can tie their names with `custos map link`.
func refreshCustomerKeys(ids *store.Identities) error {
	customers, err := ids.Customers()
	if err != nil {
		return fmt.Errorf("mapping: %w", err)
	}
	held := make(map[string]bool, len(customers))
	for _, c := range customers {
		held[c.Key] = true
	}
	for i := range customers {
		c := &customers[i]
		key := NormaliseName(c.Name)
		if key == "" || key == c.Key || held[key] {
			continue
		}
		if err := ids.SetCustomerKey(c, key); err != nil {
			return fmt.Errorf("mapping: %w", err)
		}
		held[key] = true
	}
	return nil
}

// linkOrganization links one organization and returns the method used, or "" when it
// stays unresolved.
func linkOrganization(ids *store.Identities, org store.Organization, opts Options) (string, error) {
	key := NormaliseName(org.Name)
	if key == "" {
		return "", nil
	}
	customer, err := ids.CustomerByKey(key)
	if err != nil {
		return "", fmt.Errorf("mapping: %w", err)
	}
	method := MethodName
	if customer.ID == 0 && !slices.Contains(opts.CreateFrom, org.Source) {
		if customer, err = customerByDomain(ids, org, opts.Domains); err != nil || customer.ID == 0 {
			return "", err
		}
		method = MethodDomain
	}
	if customer.ID == 0 {
		customer = store.Customer{Name: org.Name, Key: key, Status: store.CustomerActive}
		if err := ids.CreateCustomer(&customer); err != nil {
			return "", fmt.Errorf("mapping: %w", err)
		}
		method = MethodCreated
	}
	return method, createLink(ids, org.Source, store.LinkCustomer, org.SourceID, customer.ID, method)
}

// updateStatuses marks a customer offboarded when none of the organizations that may
// create customers still lists it as active, and active again when one does.
func updateStatuses(ids *store.Identities, opts Options, now time.Time) error {
	orgs, err := ids.LinkedOrganizations(opts.CreateFrom)
	if err != nil {
		return fmt.Errorf("mapping: %w", err)
	}
	active := map[uint]bool{}
	for _, o := range orgs {
		isActive := o.RemovedAt == nil && !containsFold(opts.InactiveStatuses, o.Status)
		active[*o.CustomerID] = active[*o.CustomerID] || isActive
	}
	customers, err := ids.Customers()
	if err != nil {
		return fmt.Errorf("mapping: %w", err)
	}
	for _, c := range customers {
		isActive, known := active[c.ID]
		if !known {
			continue
		}
		want := store.CustomerOffboarded
		if isActive {
			want = store.CustomerActive
		}
		if c.Status == want {
			continue
		}
		if err := ids.SetCustomerStatus(&c, want, now); err != nil {
			return fmt.Errorf("mapping: %w", err)
		}
	}
	return nil
}

// Link ties a source's id for a customer, technician or device (kind is one of the
// store's link kinds) to a canonical row by hand, replacing any automatic link, and
// copies the new id onto the records that name it.
func Link(ctx context.Context, st *store.Store, kind, source, sourceID string, target uint) error {
	return st.ResolveIdentities(ctx, func(ids *store.Identities) error {
		switch ok, err := ids.CanonicalExists(kind, target); {
		case err != nil:
			return fmt.Errorf("mapping: %w", err)
		case !ok:
			return fmt.Errorf("mapping: %s %d: %w", kind, target, store.ErrNotFound)
		}
		if err := ids.DeleteLink(source, kind, sourceID); err != nil {
			return fmt.Errorf("mapping: %w", err)
		}
		if err := createLink(ids, source, kind, sourceID, target, MethodManual); err != nil {
			return err
		}
		if err := ids.PropagateLink(source, kind, sourceID); err != nil {
			return fmt.Errorf("mapping: %w", err)
		}
		return nil
	})
}

// legalSuffixes are words that name a company's legal form; they do not tell two
// customers apart, so matching ignores them.
var legalSuffixes = []string{
	"ltd", "limited", "inc", "incorporated", "llc", "llp", "plc", "corp", "corporation",
	"co", "company", "gmbh", "ag", "bv", "nv", "sa", "sarl", "pty", "pte", "srl", "kg",
}

// dottedInitials finds letters written with dots between them ("L.L.C.", "S.A.",
// "G.m.b.H."), after the start or a character that is not a letter or digit, so
// that "contoso.com" is left alone.
var dottedInitials = regexp.MustCompile(`(^|[^\pL\pN])(\pL(?:\.\pL)+)\.?`)

// NormaliseName reduces a customer name to the key automatic matching compares:
// lower case, punctuation dropped, "&" read as "and", letters written with dots
// read as one word, and trailing legal-form words removed ("Contoso Ltd.",
// "CONTOSO limited" and "Contoso L.L.C." all become "contoso", and
// "Fabrikam GmbH & Co. KG" becomes "fabrikam").
func NormaliseName(name string) string {
	name = strings.ReplaceAll(strings.ToLower(name), "&", " and ")
	name = dottedInitials.ReplaceAllStringFunc(name, func(m string) string { return strings.ReplaceAll(m, ".", "") + " " })
	words := strings.FieldsFunc(name, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	for len(words) > 1 && (slices.Contains(legalSuffixes, words[len(words)-1]) || words[len(words)-1] == "and") {
		words = words[:len(words)-1]
	}
	return strings.Join(words, " ")
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(v string) bool { return strings.EqualFold(strings.TrimSpace(v), strings.TrimSpace(s)) })
}
