package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/vocab"
)

// StreamHealth is how one stream's pulls of one scope have gone: its latest pull and
// when it last read successfully.
type StreamHealth struct {
	Connector, Stream, Scope string
	// CustomerID is the customer the scope is linked to, nil for an account-wide
	// scope or one that matches no customer.
	CustomerID *uint
	// Unlinked marks a scope that is one organization at its source (a tenant, a
	// site) that mapping linked to no customer: it is some customer's, not every
	// customer's, so it says nothing of the others' coverage.
	Unlinked bool
	// Last is the latest pull.
	Last Coverage
	// LastOK is when the latest successful pull finished; nil when none did.
	LastOK *time.Time
	// FailingSince is when the first pull that failed after LastOK (after the first
	// pull, when none succeeded) started; nil when the latest pull succeeded.
	FailingSince *time.Time
}

// StreamHealths lists, per connector, stream and scope, the latest pull and the
// latest successful one, ordered by connector, stream and scope.
func (s *Store) StreamHealths(ctx context.Context) ([]StreamHealth, error) {
	db := s.db.WithContext(ctx)
	var latest []Coverage
	err := db.Where("id IN (?)", db.Model(&Coverage{}).Select("MAX(id)").Group("connector, stream, scope")).
		Order("connector, stream, scope").Find(&latest).Error
	if err != nil {
		return nil, fmt.Errorf("store: reading the latest pulls: %w", err)
	}
	var oks []Coverage
	err = db.Where("id IN (?)", db.Model(&Coverage{}).Select("MAX(id)").Where("outcome = ?", "ok").Group("connector, stream, scope")).
		Find(&oks).Error
	if err != nil {
		return nil, fmt.Errorf("store: reading the latest successful pulls: %w", err)
	}
	type key struct{ connector, stream, scope string }
	lastOK := make(map[key]time.Time, len(oks))
	for _, o := range oks {
		lastOK[key{o.Connector, o.Stream, o.Scope}] = o.FinishedAt
	}
	failing, err := failingSince(db)
	if err != nil {
		return nil, err
	}
	customer, err := scopeCustomers(db)
	if err != nil {
		return nil, err
	}
	var orphans []Organization
	if err := db.Select("source, source_id").Where("customer_id IS NULL").Find(&orphans).Error; err != nil {
		return nil, fmt.Errorf("store: reading the organizations linked to no customer: %w", err)
	}
	unlinked := make(map[[2]string]bool, len(orphans))
	for _, o := range orphans {
		unlinked[[2]string{o.Source, o.SourceID}] = true
	}
	out := make([]StreamHealth, len(latest))
	for i, c := range latest {
		h := StreamHealth{Connector: c.Connector, Stream: c.Stream, Scope: c.Scope, Last: c}
		if t, ok := lastOK[key{c.Connector, c.Stream, c.Scope}]; ok {
			h.LastOK = &t
		}
		if t, ok := failing[[3]string{c.Connector, c.Stream, c.Scope}]; ok && c.Outcome != vocab.OutcomeOK {
			h.FailingSince = &t
		}
		if id, ok := customer[[2]string{c.Connector, c.Scope}]; ok {
			h.CustomerID = &id
		} else {
			h.Unlinked = unlinked[[2]string{c.Connector, c.Scope}]
		}
		out[i] = h
	}
	return out, nil
}

// ScopeCustomers maps each connector's scope that mapping linked to a customer,
// keyed by (connector, scope id), to the customer's id.
func (s *Store) ScopeCustomers(ctx context.Context) (map[[2]string]uint, error) {
	return scopeCustomers(s.db.WithContext(ctx))
}

func scopeCustomers(db *gorm.DB) (map[[2]string]uint, error) {
	var links []Link
	if err := db.Where("kind = ?", LinkCustomer).Find(&links).Error; err != nil {
		return nil, fmt.Errorf("store: reading customer links: %w", err)
	}
	customer := make(map[[2]string]uint, len(links))
	for _, l := range links {
		customer[[2]string{l.Source, l.SourceID}] = l.TargetID
	}
	return customer, nil
}

// failingSince returns, per connector, stream and scope, when the first failed pull
// after the latest successful one started.
func failingSince(db *gorm.DB) (map[[3]string]time.Time, error) {
	lastOK := db.Table("coverages AS ok").Select("MAX(ok.id)").
		Where("ok.outcome = ? AND ok.connector = c.connector AND ok.stream = c.stream AND ok.scope = c.scope", vocab.OutcomeOK)
	firstFailed := db.Table("coverages AS c").Select("MIN(c.id)").
		Where("c.outcome <> ? AND c.id > COALESCE((?), 0)", vocab.OutcomeOK, lastOK).
		Group("c.connector, c.stream, c.scope")
	var rows []Coverage
	if err := db.Where("id IN (?)", firstFailed).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: reading when failing pulls began: %w", err)
	}
	out := make(map[[3]string]time.Time, len(rows))
	for _, r := range rows {
		out[[3]string{r.Connector, r.Stream, r.Scope}] = r.StartedAt
	}
	return out, nil
}

// PartnerAccess lists the Microsoft 365 access events (sign-ins, admin actions,
// mailbox access) in the given tenants that started at or after since, by tenant
// and time.
func (s *Store) PartnerAccess(ctx context.Context, tenants []string, since time.Time) ([]AccessEvent, error) {
	if len(tenants) == 0 {
		return nil, nil
	}
	var out []AccessEvent
	err := s.db.WithContext(ctx).
		Where("kind IN ? AND customer_ref IN ? AND started_at >= ?", []string{record.KindM365SignIn, record.KindM365Admin, record.KindM365Mailbox}, tenants, since.UTC()).
		Order("customer_ref, started_at, id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: reading partner access to %d tenants: %w", len(tenants), err)
	}
	return out, nil
}

// Customers lists every customer, active or not, by id.
func (s *Store) Customers(ctx context.Context) ([]Customer, error) {
	var out []Customer
	if err := s.db.WithContext(ctx).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: reading customers: %w", err)
	}
	return out, nil
}
