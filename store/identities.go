package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Identities is one transaction over the canonical rows (customers, technicians,
// devices), the links that tie each source's ids to them, and the records that name
// them: what mapping reads and writes while it resolves identities.
type Identities struct {
	tx     *gorm.DB
	sealer Sealer
	// rewritten holds the tables in which propagating ids rewrote many rows.
	rewritten map[string]bool
}

// reanalyseAfter is how many rows one propagation rewrites before the table's
// planner statistics are taken again.
const reanalyseAfter = 10_000

// ResolveIdentities runs f in one transaction: either everything f wrote is stored or
// nothing is. On PostgreSQL, a table in which many rows got their ids is analysed
// once the transaction commits: its statistics from before (every new row without
// an id) would have the planner scan the whole table, not the index, for the rows
// still without one on every later run, until autovacuum analysed it.
func (s *Store) ResolveIdentities(ctx context.Context, f func(ids *Identities) error) error {
	ids := &Identities{sealer: s.sealer, rewritten: map[string]bool{}}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { ids.tx = tx; return f(ids) })
	if err != nil || s.driver != "postgres" {
		return err
	}
	for _, t := range tables {
		if ids.rewritten[t.Name] {
			if err := s.db.WithContext(ctx).Exec("ANALYZE " + t.Name).Error; err != nil {
				return fmt.Errorf("store: analysing %s after mapping: %w", t.Name, err)
			}
		}
	}
	return nil
}

// linkTarget is the query that reads the target of the link of kind that the row of
// table names in its ref column, from the row's source; NULL when there is none.
func linkTarget(kind, table, ref string) string {
	return fmt.Sprintf("(SELECT links.target_id FROM links WHERE links.kind = '%s' AND links.source = %[2]s.source AND links.source_id = %[2]s.%[3]s)",
		kind, table, ref)
}

// unlinked matches the rows of table whose ref column has no link of kind from
// their source.
func unlinked(table, ref string) string {
	return fmt.Sprintf("NOT EXISTS (SELECT 1 FROM links WHERE links.kind = ? AND links.source = %[1]s.source AND links.source_id = %[1]s.%[2]s)", table, ref)
}

// unlinkedRows reads the rows of model T's table still listed by their source whose
// own id has no link of kind, in id order.
func unlinkedRows[T any](tx *gorm.DB, kind string) ([]T, error) {
	table := TableOf[T]().Name
	var out []T
	err := tx.Where("removed_at IS NULL").Where(unlinked(table, "source_id"), kind).Order("id").Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: reading unlinked %s: %w", table, err)
	}
	return out, nil
}

// UnlinkedOrganizations returns the organizations still listed by their source that
// are linked to no customer, in id order.
func (ids *Identities) UnlinkedOrganizations() ([]Organization, error) {
	return unlinkedRows[Organization](ids.tx, LinkCustomer)
}

// LinkedOrganizations returns the organizations of the sources that are linked to a
// customer, removed ones included.
func (ids *Identities) LinkedOrganizations(sources []string) ([]Organization, error) {
	var out []Organization
	if err := ids.tx.Where("customer_id IS NOT NULL AND source IN ?", sources).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: reading organizations: %w", err)
	}
	return out, nil
}

// EndpointDomains returns the distinct domains of the machines still listed that a
// source files under its organization customerRef.
func (ids *Identities) EndpointDomains(source, customerRef string) ([]string, error) {
	var out []string
	err := ids.tx.Model(&Endpoint{}).Distinct("domain").
		Where("source = ? AND customer_ref = ? AND domain <> '' AND removed_at IS NULL", source, customerRef).
		Pluck("domain", &out).Error
	if err != nil {
		return nil, fmt.Errorf("store: reading the domains of %s organization %s: %w", source, customerRef, err)
	}
	return out, nil
}

// CustomerByKey returns the customer with the normalised name key; a zero Customer
// when there is none.
func (ids *Identities) CustomerByKey(key string) (Customer, error) {
	return byKey[Customer](ids.tx, LinkCustomer, key)
}

// Customers returns every customer, in id order.
func (ids *Identities) Customers() ([]Customer, error) {
	return inIDOrder[Customer](ids.tx, "customers")
}

// CreateCustomer stores a new customer and sets its id.
func (ids *Identities) CreateCustomer(c *Customer) error {
	if err := ids.tx.Create(c).Error; err != nil {
		return fmt.Errorf("store: creating customer %q: %w", c.Name, err)
	}
	return nil
}

// SetCustomerKey replaces the normalised name key of customer c.
func (ids *Identities) SetCustomerKey(c *Customer, key string) error {
	if err := ids.tx.Model(c).Update("key", key).Error; err != nil {
		return fmt.Errorf("store: updating the name key of customer %q: %w", c.Name, err)
	}
	return nil
}

// SetCustomerStatus records that customer c is status (active or offboarded) since.
func (ids *Identities) SetCustomerStatus(c *Customer, status string, since time.Time) error {
	if err := ids.tx.Model(c).Updates(map[string]any{"status": status, "status_since": since}).Error; err != nil {
		return fmt.Errorf("store: updating status of customer %q: %w", c.Name, err)
	}
	return nil
}

// TechnicianByKey returns the technician with the normalised name key; a zero
// Technician when there is none.
func (ids *Identities) TechnicianByKey(key string) (Technician, error) {
	stored, err := sealPersonal(ids.sealer, key, true, personalData)
	if err != nil {
		return Technician{}, fmt.Errorf("store: sealing a technician's name key: %w", err)
	}
	return byKey[Technician](ids.tx, LinkTechnician, stored)
}

// Technicians returns every technician, in id order.
func (ids *Identities) Technicians() ([]Technician, error) {
	return inIDOrder[Technician](ids.tx, "technicians")
}

// SaveTechnician creates t, or updates it when it has an id.
func (ids *Identities) SaveTechnician(t *Technician) error {
	return save(ids.tx, t, "technician", t.Name)
}

// UnlinkedUserAccounts returns the tool accounts still listed by their source that
// are linked to no technician, in id order, their source ids in clear.
func (ids *Identities) UnlinkedUserAccounts() ([]UserAccount, error) {
	accounts, err := unlinkedRows[UserAccount](ids.tx, LinkTechnician)
	if err != nil {
		return nil, err
	}
	for i, a := range accounts {
		if accounts[i].SourceID, err = openPersonal(ids.sealer, a.SourceID, personalData); err != nil {
			return nil, fmt.Errorf("store: reading the id of %s user account %d: %w", a.Source, a.ID, err)
		}
	}
	return accounts, nil
}

// Actor is a name that access events of one source give whoever acted.
type Actor struct {
	Source    string
	ActorRef  string `gorm:"serializer:personal"`
	ActorName string `gorm:"serializer:personal"`
}

// UnlinkedActors returns the actors of access events whose reference is linked to
// no technician, one per source and reference with one of the names they were given.
// Only events without a technician are read: an event with one was resolved (or
// recorded with it), so a run reads what is new, not every event stored.
func (ids *Identities) UnlinkedActors() ([]Actor, error) {
	var out []Actor
	err := ids.tx.Model(&AccessEvent{}).Select("source, actor_ref, MAX(actor_name) AS actor_name").
		Where("actor_ref <> '' AND technician_id IS NULL").Where(unlinked("access_events", "actor_ref"), LinkTechnician).
		Group("source, actor_ref").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: reading unlinked technician names: %w", err)
	}
	slices.SortFunc(out, func(a, b Actor) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.ActorRef, b.ActorRef))
	})
	return out, nil
}

// Devices returns every canonical device, in id order.
func (ids *Identities) Devices() ([]*Device, error) {
	return inIDOrder[*Device](ids.tx, "devices")
}

// SaveDevice creates d, or updates it when it has an id.
func (ids *Identities) SaveDevice(d *Device) error {
	return save(ids.tx, d, "device", d.Name)
}

// CreateDevices stores new devices, many to a statement, and sets their ids.
func (ids *Identities) CreateDevices(ds []*Device) error {
	if len(ds) == 0 {
		return nil
	}
	if err := ids.tx.CreateInBatches(ds, insertBatch).Error; err != nil {
		return fmt.Errorf("store: creating %d devices: %w", len(ds), err)
	}
	return nil
}

// byKey reads the customer or technician (kind) whose normalised name is stored as
// key; a zero row when there is none.
func byKey[T any](tx *gorm.DB, kind, key string) (T, error) {
	var row T
	if err := tx.Where("key = ?", key).Limit(1).Find(&row).Error; err != nil {
		return row, fmt.Errorf("store: finding a %s by name: %w", kind, err)
	}
	return row, nil
}

// inIDOrder reads every row of a table, in id order.
func inIDOrder[T any](tx *gorm.DB, table string) ([]T, error) {
	var out []T
	if err := tx.Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: reading %s: %w", table, err)
	}
	return out, nil
}

// save creates row, or updates it when it has an id.
func save(tx *gorm.DB, row any, kind, name string) error {
	if err := tx.Save(row).Error; err != nil {
		return fmt.Errorf("store: saving %s %q: %w", kind, name, err)
	}
	return nil
}

// Machine is a row of one source that names a machine.
type Machine struct {
	Source, SourceID string
	Hostname, Serial string
	CustomerID       *uint
}

// UnlinkedMachines returns the machines that IT Glue configurations, then RMM and
// remote-access endpoints, name and that are linked to no device, each in id order.
// A configuration's host name is often only in its name. A machine's customer is the
// one its row has, or else the one its organization is linked to: what Propagate will
// give the row, so that devices can be matched before the ids are copied.
func (ids *Identities) UnlinkedMachines() ([]Machine, error) {
	var out []Machine
	for _, src := range []struct{ table, hostname string }{
		{"configurations", "CASE WHEN hostname <> '' THEN hostname ELSE name END"},
		{"endpoints", "hostname"},
	} {
		var rows []Machine
		customer := "COALESCE(customer_id, " + linkTarget(LinkCustomer, src.table, "customer_ref") + ")"
		err := ids.tx.Table(src.table).Select("source, source_id, "+src.hostname+" AS hostname, serial, "+customer+" AS customer_id").
			Where("removed_at IS NULL").Where(unlinked(src.table, "source_id"), LinkDevice).
			Order("id").Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("store: reading unlinked %s: %w", src.table, err)
		}
		out = append(out, rows...)
	}
	return out, nil
}

// CreateLink stores a new link. A technician's source id names a person: it is
// stored as the person reference the rows naming them hold (PersonRef).
func (ids *Identities) CreateLink(l *Link) error {
	return ids.CreateLinks([]*Link{l})
}

// CreateLinks stores new links, many to a statement, and sets their ids, each as
// CreateLink stores one.
func (ids *Identities) CreateLinks(ls []*Link) error {
	if len(ls) == 0 {
		return nil
	}
	rows := make([]Link, len(ls))
	for i, l := range ls {
		rows[i] = *l
		var err error
		if rows[i].SourceID, err = ids.linkSourceID(l.Kind, l.SourceID); err != nil {
			return err
		}
	}
	if err := ids.tx.CreateInBatches(&rows, insertBatch).Error; err != nil {
		if len(ls) == 1 {
			l := ls[0]
			return fmt.Errorf("store: linking %s %s %q to %d: %w", l.Source, l.Kind, l.SourceID, l.TargetID, err)
		}
		return fmt.Errorf("store: storing %d links: %w", len(ls), err)
	}
	for i, l := range ls {
		l.ID, l.CreatedAt = rows[i].ID, rows[i].CreatedAt
	}
	return nil
}

// DeleteLink removes the link of kind of the source's id, if there is one.
func (ids *Identities) DeleteLink(source, kind, sourceID string) error {
	stored, err := ids.linkSourceID(kind, sourceID)
	if err != nil {
		return err
	}
	err = ids.tx.Where("source = ? AND kind = ? AND source_id = ?", source, kind, stored).Delete(&Link{}).Error
	if err != nil {
		return fmt.Errorf("store: removing the %s link of %s %s: %w", kind, source, sourceID, err)
	}
	return nil
}

// linkSourceID is how a link of kind stores a source's id: a technician's sealed
// as a person reference, others as they are.
func (ids *Identities) linkSourceID(kind, sourceID string) (string, error) {
	if kind != LinkTechnician {
		return sourceID, nil
	}
	stored, err := sealPersonal(ids.sealer, sourceID, true, personalData)
	if err != nil {
		return "", fmt.Errorf("store: sealing a technician's source id: %w", err)
	}
	return stored, nil
}

// CanonicalExists reports whether the customer, technician or device (kind is a link
// kind) with the id exists.
func (ids *Identities) CanonicalExists(kind string, id uint) (bool, error) {
	return canonicalExists(ids.tx, kind, id)
}

// Propagate copies the ids of links of the kinds onto the rows that name one and have
// no id of that kind yet, in every table whose description says it resolves one of
// the kinds, so that a run costs what is new, not what is stored. A row keeps the id
// it has (a pull that changes a row's reference clears it, and PropagateLink replaces
// it when a person relinks); a row without a link keeps its value (an authorisation
// recorded in Custos carries its ids without links); a row that names no one (an
// authorisation for any technician) is not looked up. Each table is rewritten once
// for all the kinds: a new access event is updated, journalled and re-indexed once,
// not once a kind.
func (ids *Identities) Propagate(kinds ...string) error {
	return ids.propagate(kinds, func(table string, r Resolved, linked string) (string, string, []any) {
		return fmt.Sprintf("COALESCE(%s, %s)", r.Column, linked),
			fmt.Sprintf("%[1]s.%[2]s IS NULL AND %[1]s.%[3]s <> '' AND %[4]s IS NOT NULL", table, r.Column, r.Ref, linked), nil
	})
}

// PropagateLink copies the target of the link of kind of the source's id onto every
// row that names that id, replacing the id they had.
func (ids *Identities) PropagateLink(source, kind, sourceID string) error {
	ref, err := ids.linkSourceID(kind, sourceID)
	if err != nil {
		return err
	}
	// One kind: a table has at most one column of it, so the rows matched are
	// the rows whose column changes.
	return ids.propagate([]string{kind}, func(table string, r Resolved, linked string) (string, string, []any) {
		return linked, fmt.Sprintf("%[1]s.source = ? AND %[1]s.%[2]s = ? AND %[3]s IS NOT NULL AND %[1]s.%[4]s IS DISTINCT FROM %[3]s",
			table, r.Ref, linked, r.Column), []any{source, ref}
	})
}

// propagate updates, in one UPDATE a table, every table resolving one of the kinds:
// change says, for each of its columns of those kinds, what to set it to and which
// rows change it, given the query that reads its link's target (linked); a row that
// matches one column's condition has every column set. (An UPDATE … FROM links, one
// probe a row, was no faster on PostgreSQL and had SQLite scan every row: 87 s
// instead of 0.1 s for a run with nothing new at 100,000 events.)
func (ids *Identities) propagate(kinds []string, change func(table string, r Resolved, linked string) (set, cond string, args []any)) error {
	for _, t := range tables {
		var sets, conds, names []string
		var args []any
		for _, r := range t.Resolved {
			if !slices.Contains(kinds, r.Kind) {
				continue
			}
			linked := linkTarget(r.Kind, t.Name, r.Ref)
			set, cond, condArgs := change(t.Name, r, linked)
			sets = append(sets, r.Column+" = "+set)
			conds = append(conds, "("+cond+")")
			names = append(names, r.Column)
			args = append(args, condArgs...)
		}
		if len(sets) == 0 {
			continue
		}
		res := ids.tx.Exec(fmt.Sprintf("UPDATE %s SET %s WHERE %s", t.Name, strings.Join(sets, ", "), strings.Join(conds, " OR ")), args...)
		if res.Error != nil {
			return fmt.Errorf("store: resolving %s of %s: %w", strings.Join(names, ", "), t.Name, res.Error)
		}
		if res.RowsAffected >= reanalyseAfter {
			ids.rewritten[t.Name] = true
		}
	}
	return nil
}

// Canonical is a customer, technician or device as a lookup compares it: its id, its
// name, and MatchKey, the normalised name (a device's host name) automatic matching
// compares.
type Canonical struct {
	ID uint
	// Name and MatchKey are sealed for technicians.
	Name     string `gorm:"serializer:personal"`
	MatchKey string `gorm:"serializer:personal"`
}

// CanonicalNames lists every customer, technician or device (kind is a link kind) by id.
func (s *Store) CanonicalNames(ctx context.Context, kind string) ([]Canonical, error) {
	t, err := canonicalTable(kind)
	if err != nil {
		return nil, err
	}
	var out []Canonical
	err = s.db.WithContext(ctx).Model(t.Model).Select("id, name, " + t.MatchKey + " AS match_key").Order("id").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: listing %ss: %w", kind, err)
	}
	return out, nil
}

func canonicalExists(db *gorm.DB, kind string, id uint) (bool, error) {
	t, err := canonicalTable(kind)
	if err != nil {
		return false, err
	}
	var n int64
	if err := db.Model(t.Model).Where("id = ?", id).Count(&n).Error; err != nil {
		return false, fmt.Errorf("store: looking up %s %d: %w", kind, id, err)
	}
	return n > 0, nil
}
