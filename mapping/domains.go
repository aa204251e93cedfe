package mapping

import (
	"fmt"
	"strings"

	"github.com/custos-msp/custos/store"
)

// customerByDomain finds the customer whose configured domains include the domain of
// one of the organization's machines (or a parent of it); a zero Customer when none
// or more than one does.
func customerByDomain(ids *store.Identities, org store.Organization, domains map[string][]string) (store.Customer, error) {
	if len(domains) == 0 {
		return store.Customer{}, nil
	}
	seen, err := ids.EndpointDomains(org.Source, org.SourceID)
	if err != nil {
		return store.Customer{}, fmt.Errorf("mapping: organization %q: %w", org.Name, err)
	}
	owners := map[string]bool{}
	for _, d := range seen {
		for name, list := range domains {
			if domainListed(d, list) {
				owners[NormaliseName(name)] = true
			}
		}
	}
	if len(owners) != 1 {
		return store.Customer{}, nil // none, or ambiguous: leave it to a person
	}
	for key := range owners {
		customer, err := ids.CustomerByKey(key)
		if err != nil {
			return store.Customer{}, fmt.Errorf("mapping: %w", err)
		}
		return customer, nil
	}
	return store.Customer{}, nil
}

// domainListed reports whether domain, or a domain it is under, is in list.
func domainListed(domain string, list []string) bool {
	domain = strings.Trim(strings.ToLower(domain), ".")
	for _, d := range list {
		d = strings.Trim(strings.ToLower(strings.TrimSpace(d)), ".")
		if d != "" && (domain == d || strings.HasSuffix(domain, "."+d)) {
			return true
		}
	}
	return false
}
