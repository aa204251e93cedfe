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
	"slices"
	"strings"
	"time"
	"unicode"

	"gorm.io/gorm"

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
			case "":
				res.Unresolved++
			case MethodCreated:
				res.Created++
				res.Linked++
			default:
				res.Linked++
			}
		}
		if err := propagate(tx, store.LinkCustomer); err != nil {
			return err
		}
		if err := updateStatuses(tx, opts, now); err != nil {
			return err
		}
		if res.TechniciansLinked, err = resolveTechnicians(tx, opts.Technicians, opts.PartnerDomains); err != nil {
			return err
		}
		res.DevicesLinked, err = resolveDevices(tx)
		return err
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
	if customer.ID == 0 && !slices.Contains(opts.CreateFrom, org.Source) {
		if customer, err = customerByDomain(tx, org, opts.Domains); err != nil || customer.ID == 0 {
			return "", err
		}
		method = MethodDomain
	}
	if customer.ID == 0 {
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

// linkedColumns names, for each table, the canonical id columns that links fill and
// the column holding the source's reference each is resolved from.
var linkedColumns = []struct{ table, column, kind, ref string }{
	{"organizations", "customer_id", store.LinkCustomer, "source_id"},
	{"configurations", "customer_id", store.LinkCustomer, "customer_ref"},
	{"endpoints", "customer_id", store.LinkCustomer, "customer_ref"},
	{"agents", "customer_id", store.LinkCustomer, "customer_ref"},
	{"access_events", "customer_id", store.LinkCustomer, "customer_ref"},
	{"authorisations", "customer_id", store.LinkCustomer, "customer_ref"},
	{"contacts", "customer_id", store.LinkCustomer, "customer_ref"},
	{"relationships", "customer_id", store.LinkCustomer, "customer_ref"},
	{"report_receipts", "customer_id", store.LinkCustomer, "customer_ref"},
	{"user_accounts", "technician_id", store.LinkTechnician, "source_id"},
	{"access_events", "technician_id", store.LinkTechnician, "actor_ref"},
	{"authorisations", "technician_id", store.LinkTechnician, "technician_ref"},
	{"configurations", "device_id", store.LinkDevice, "source_id"},
	{"endpoints", "device_id", store.LinkDevice, "source_id"},
	{"agents", "device_id", store.LinkDevice, "device_ref"},
	{"access_events", "device_id", store.LinkDevice, "device_ref"},
	{"authorisations", "device_id", store.LinkDevice, "device_ref"},
}

// propagate copies ids of the kind from links onto every record that names one.
func propagate(tx *gorm.DB, kind string) error {
	for _, c := range linkedColumns {
		if c.kind != kind {
			continue
		}
		if err := propagateLinks(tx, c.table, c.column, c.kind, c.ref); err != nil {
			return err
		}
	}
	return nil
}

// propagateAll copies every kind of id from links onto the records.
func propagateAll(tx *gorm.DB) error {
	for _, kind := range []string{store.LinkCustomer, store.LinkTechnician, store.LinkDevice} {
		if err := propagate(tx, kind); err != nil {
			return err
		}
	}
	return nil
}

// propagateLinks sets table.column to the target of the kind link that each row's
// (source, ref) has, where one exists and differs. Rows without a link keep their
// value: an authorisation recorded in Custos carries its ids without links.
func propagateLinks(tx *gorm.DB, table, column, kind, ref string) error {
	linked := fmt.Sprintf(`(SELECT links.target_id FROM links WHERE links.kind = '%s' AND links.source = %s.source AND links.source_id = %s.%s)`,
		kind, table, table, ref)
	err := tx.Exec(fmt.Sprintf("UPDATE %[1]s SET %[2]s = %[3]s WHERE %[3]s IS NOT NULL AND %[2]s IS DISTINCT FROM %[3]s", table, column, linked)).Error
	if err != nil {
		return fmt.Errorf("mapping: resolving %s of %s: %w", column, table, err)
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

// Link ties a source's id for a customer, technician or device (kind is one of the
// store's link kinds) to a canonical row by hand, replacing any automatic link, and
// copies the new id onto the records that name it.
func Link(ctx context.Context, st *store.Store, kind, source, sourceID string, target uint) error {
	targets := map[string]any{store.LinkCustomer: &store.Customer{}, store.LinkTechnician: &store.Technician{}, store.LinkDevice: &store.Device{}}
	row, ok := targets[kind]
	if !ok {
		return fmt.Errorf("mapping: %q is not a link kind (customer, technician or device)", kind)
	}
	return st.DB(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.First(row, target).Error; err != nil {
			return fmt.Errorf("mapping: %s %d: %w", kind, target, err)
		}
		err := tx.Where("source = ? AND kind = ? AND source_id = ?", source, kind, sourceID).Delete(&store.Link{}).Error
		if err != nil {
			return fmt.Errorf("mapping: removing old %s link of %s %s: %w", kind, source, sourceID, err)
		}
		if err := createLink(tx, source, kind, sourceID, target, MethodManual); err != nil {
			return err
		}
		return propagateAll(tx)
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
