package mapping

import (
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/custos-msp/custos/store"
)

// customerByDomain finds the customer whose configured domains include the domain of
// one of the organization's machines (or a parent of it); a zero Customer when none
// or more than one does.
func customerByDomain(tx *gorm.DB, org store.Organization, domains map[string][]string) (store.Customer, error) {
	if len(domains) == 0 {
		return store.Customer{}, nil
	}
	var seen []string
	err := tx.Model(&store.Endpoint{}).Distinct("domain").
		Where("source = ? AND customer_ref = ? AND domain <> '' AND removed_at IS NULL", org.Source, org.SourceID).
		Pluck("domain", &seen).Error
	if err != nil {
		return store.Customer{}, fmt.Errorf("mapping: reading the domains of %s organization %q: %w", org.Source, org.Name, err)
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
	var customer store.Customer
	for key := range owners {
		if err := tx.Where("key = ?", key).Limit(1).Find(&customer).Error; err != nil {
			return store.Customer{}, fmt.Errorf("mapping: finding customer %q: %w", key, err)
		}
	}
	return customer, nil
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
