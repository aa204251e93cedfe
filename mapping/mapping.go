// Package mapping ties what each source calls a customer (an IT Glue organization, a
// Datto RMM site, a Microsoft 365 tenant) to one canonical customer row, through link
// rows that record how each tie was made. Automatic matches use the normalised name;
// manual links override them; what cannot be tied stays unresolved, never dropped.
package mapping

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"gorm.io/gorm"

	"github.com/custos-msp/custos/store"
)

// Link methods.
const (
	MethodCreated = "auto:created"
	MethodName    = "auto:name"
	MethodManual  = "manual"
)

// Options configures customer resolution.
type Options struct {
	// CreateFrom lists the sources whose organizations create customers; other
	// sources only link to customers that already exist.
	CreateFrom []string
	// InactiveStatuses are source status names that mark an organization offboarded.
	InactiveStatuses []string
}

// Result counts what Resolve did.
type Result struct {
	Linked     int
	Created    int
	Unresolved int
}

// Resolve links every unlinked organization to a customer (by normalised name, or by
// creating the customer when its source may create customers), copies the customer
// ids onto the records that name those organizations, and updates each customer's
// status from the organizations that created it.
func Resolve(ctx context.Context, st *store.Store, opts Options, now time.Time) (Result, error) {
	var res Result
	err := st.DB(ctx).Transaction(func(tx *gorm.DB) error {
		var unlinked []store.Organization
		err := tx.Where("removed_at IS NULL").
			Where("NOT EXISTS (SELECT 1 FROM links WHERE links.kind = ? AND links.source = organizations.source AND links.source_id = organizations.source_id)", store.LinkCustomer).
			Order("id").Find(&unlinked).Error
		if err != nil {
			return fmt.Errorf("mapping: reading unlinked organizations: %w", err)
		}
		for _, org := range unlinked {
			made, err := linkOrganization(tx, org, opts)
			if err != nil {
				return err
			}
			switch made {
			case MethodCreated:
				res.Created++
				res.Linked++
			case MethodName:
				res.Linked++
			default:
				res.Unresolved++
			}
		}
		if err := propagate(tx); err != nil {
			return err
		}
		return updateStatuses(tx, opts, now)
	})
	return res, err
}

// linkOrganization links one organization and returns the method used, or "" when it
// stays unresolved.
func linkOrganization(tx *gorm.DB, org store.Organization, opts Options) (string, error) {
	key := NormaliseName(org.Name)
	if key == "" {
		return "", nil
	}
	var customer store.Customer
	err := tx.Where("key = ?", key).Limit(1).Find(&customer).Error
	if err != nil {
		return "", fmt.Errorf("mapping: finding customer %q: %w", org.Name, err)
	}
	method := MethodName
	if customer.ID == 0 {
		if !slices.Contains(opts.CreateFrom, org.Source) {
			return "", nil
		}
		customer = store.Customer{Name: org.Name, Key: key, Status: store.CustomerActive}
		if err := tx.Create(&customer).Error; err != nil {
			return "", fmt.Errorf("mapping: creating customer %q: %w", org.Name, err)
		}
		method = MethodCreated
	}
	link := store.Link{Source: org.Source, Kind: store.LinkCustomer, SourceID: org.SourceID, TargetID: customer.ID, Method: method}
	if err := tx.Create(&link).Error; err != nil {
		return "", fmt.Errorf("mapping: linking %s organization %s to customer %d: %w", org.Source, org.SourceID, customer.ID, err)
	}
	return method, nil
}

// linkedCustomer is the customer id that links give a row's (source, reference).
const linkedCustomer = `(SELECT links.target_id FROM links WHERE links.kind = 'customer' AND links.source = %[1]s.source AND links.source_id = %[1]s.%[2]s)`

// propagate copies customer ids from links onto every record that names a customer.
func propagate(tx *gorm.DB) error {
	for table, ref := range map[string]string{"organizations": "source_id", "configurations": "customer_ref"} {
		err := tx.Exec(fmt.Sprintf("UPDATE %s SET customer_id = "+linkedCustomer, table, ref)).Error
		if err != nil {
			return fmt.Errorf("mapping: resolving customers of %s: %w", table, err)
		}
	}
	return nil
}

// updateStatuses marks a customer offboarded when none of the organizations that may
// create customers still lists it as active, and active again when one does.
func updateStatuses(tx *gorm.DB, opts Options, now time.Time) error {
	var orgs []store.Organization
	if err := tx.Where("customer_id IS NOT NULL AND source IN ?", opts.CreateFrom).Find(&orgs).Error; err != nil {
		return fmt.Errorf("mapping: reading organizations: %w", err)
	}
	active := map[uint]bool{}
	for _, o := range orgs {
		isActive := o.RemovedAt == nil && !containsFold(opts.InactiveStatuses, o.Status)
		active[*o.CustomerID] = active[*o.CustomerID] || isActive
	}
	var customers []store.Customer
	if err := tx.Find(&customers).Error; err != nil {
		return fmt.Errorf("mapping: reading customers: %w", err)
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
		if err := tx.Model(&c).Updates(map[string]any{"status": want, "status_since": now}).Error; err != nil {
			return fmt.Errorf("mapping: updating status of customer %q: %w", c.Name, err)
		}
	}
	return nil
}

// LinkCustomer ties a source's customer id to a customer by hand, replacing any
// automatic link, so that the same customer seen from another tool is one row.
func LinkCustomer(ctx context.Context, st *store.Store, source, sourceID string, customerID uint) error {
	return st.DB(ctx).Transaction(func(tx *gorm.DB) error {
		var c store.Customer
		if err := tx.First(&c, customerID).Error; err != nil {
			return fmt.Errorf("mapping: customer %d: %w", customerID, err)
		}
		err := tx.Where("source = ? AND kind = ? AND source_id = ?", source, store.LinkCustomer, sourceID).
			Delete(&store.Link{}).Error
		if err != nil {
			return fmt.Errorf("mapping: removing old link of %s %s: %w", source, sourceID, err)
		}
		link := store.Link{Source: source, Kind: store.LinkCustomer, SourceID: sourceID, TargetID: customerID, Method: MethodManual}
		if err := tx.Create(&link).Error; err != nil {
			return fmt.Errorf("mapping: linking %s %s: %w", source, sourceID, err)
		}
		return propagate(tx)
	})
}

// legalSuffixes are words that name a company's legal form; they do not tell two
// customers apart, so matching ignores them.
var legalSuffixes = []string{
	"ltd", "limited", "inc", "incorporated", "llc", "llp", "plc", "corp", "corporation",
	"co", "company", "gmbh", "ag", "bv", "nv", "sa", "sarl", "pty", "pte", "srl", "kg",
}

// NormaliseName reduces a customer name to the key automatic matching compares:
// lower case, punctuation dropped, "&" read as "and", and trailing legal-form words
// removed ("Contoso Ltd." and "CONTOSO limited" both become "contoso", and
// "Fabrikam GmbH & Co. KG" becomes "fabrikam").
func NormaliseName(name string) string {
	name = strings.ReplaceAll(strings.ToLower(name), "&", " and ")
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
