package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/custos-msp/custos/record"
)

// insertBatch is how many rows go into one INSERT statement, well under both
// databases' limits on bound parameters.
const insertBatch = 200

// pageRecord is a record with the page that brought it.
type pageRecord struct {
	page   *Page
	record record.Record
}

// upsertRecords writes the pages' records, grouped by type across pages, each group
// upserted on (source, source_id) into the table that holds its type. A record that a
// later page brings again replaces the earlier one: one upsert may not touch a row
// twice (PostgreSQL refuses it).
func (s *Store) upsertRecords(tx *gorm.DB, pages []Page) error {
	groups := map[reflect.Type]*lastWins[record.Key, pageRecord]{}
	var quarantined []pageRecord // told apart by their item keys (upsertQuarantined)
	for i := range pages {
		p := &pages[i]
		for _, r := range p.Records {
			ty := reflect.TypeOf(r)
			if _, ok := tableByRecord[ty]; !ok {
				return fmt.Errorf("no table for record type %T", r)
			}
			if _, ok := r.(*record.Quarantined); ok {
				quarantined = append(quarantined, pageRecord{p, r})
				continue
			}
			if groups[ty] == nil {
				groups[ty] = &lastWins[record.Key, pageRecord]{}
			}
			groups[ty].put(r.RecordKey(), pageRecord{p, r})
		}
	}
	for _, t := range tables {
		var recs []pageRecord
		switch g := groups[t.Record]; {
		case t.Pull == Quarantine:
			recs = quarantined
		case g != nil:
			recs = g.values
		}
		if len(recs) > 0 {
			if err := t.write(s, tx, t, recs); err != nil {
				return err
			}
		}
	}
	return dropDecoded(tx, pages)
}

// pulledRows returns the writer of a table whose rows carry nothing but a record:
// it maps each record onto a row with toRow and upserts them, leaving the table's
// resolved ids and local columns as they are.
func pulledRows[R record.Record, M any](toRow func(Pulled, R) M) func(*Store, *gorm.DB, Table, []pageRecord) error {
	return func(s *Store, tx *gorm.DB, t Table, recs []pageRecord) error {
		rows := make([]M, len(recs))
		for i, pr := range recs {
			r := pr.record.(R)
			base, err := s.pulled(pr.page, r.RecordKey(), rawOf(r), t)
			if err != nil {
				return err
			}
			rows[i] = toRow(base, r)
			if d, ok := any(&rows[i]).(digested); ok {
				if err := s.digest(d, r, t); err != nil {
					return err
				}
			}
		}
		return upsert(tx, &rows, t)
	}
}

// rawOf returns a record's vendor payload.
func rawOf(r record.Record) []byte {
	switch r := r.(type) {
	case *record.Organization:
		return r.Raw
	case *record.Configuration:
		return r.Raw
	case *record.AccessEvent:
		return r.Raw
	case *record.Endpoint:
		return r.Raw
	case *record.Agent:
		return r.Raw
	case *record.UserAccount:
		return r.Raw
	case *record.Authorisation:
		return r.Raw
	case *record.Contact:
		return r.Raw
	case *record.Relationship:
		return r.Raw
	}
	return nil
}

func organizationRow(base Pulled, r *record.Organization) Organization {
	return Organization{
		Pulled: base, Name: r.Name, ShortName: r.ShortName, Type: r.Type,
		Status: r.Status, SourceUpdatedAt: r.SourceUpdatedAt.UTC(),
	}
}

func accessEventRow(base Pulled, r *record.AccessEvent) AccessEvent {
	return AccessEvent{
		Pulled: base, Kind: r.Kind, Action: r.Action, StartedAt: r.StartedAt.UTC(), EndedAt: utcPtr(r.EndedAt),
		CustomerRef: r.CustomerRef, ActorRef: r.ActorRef, ActorName: r.ActorName,
		DeviceRef: r.DeviceRef, DeviceName: r.DeviceName, Removal: r.Removal, SourceIP: r.SourceIP,
		Detail: r.Detail, Attributes: attributesJSON(r.Attributes),
	}
}

func endpointRow(base Pulled, r *record.Endpoint) Endpoint {
	return Endpoint{
		Pulled: base, CustomerRef: r.CustomerRef, Hostname: r.Hostname, Domain: r.Domain,
		Serial: r.Serial, OS: r.OS, TypeName: r.TypeName, LastSeenAt: utcPtr(r.LastSeenAt),
	}
}

func agentRow(base Pulled, r *record.Agent) Agent {
	return Agent{
		Pulled: base, Type: r.Type, CustomerRef: r.CustomerRef, DeviceRef: r.DeviceRef, Hostname: r.Hostname,
		InstalledAt: r.InstalledAt.UTC(), SessionEndedAt: utcPtr(r.SessionEndedAt),
		LastCheckInAt: utcPtr(r.LastCheckInAt), Ended: r.Ended, UninstalledAt: utcPtr(r.UninstalledAt),
	}
}

func userAccountRow(base Pulled, r *record.UserAccount) UserAccount {
	return UserAccount{Pulled: base, Name: r.Name, Email: r.Email, Disabled: r.Disabled}
}

func authorisationRow(base Pulled, r *record.Authorisation) Authorisation {
	return Authorisation{
		Pulled: base, CustomerRef: r.CustomerRef, TechnicianRef: r.TechnicianRef, DeviceRef: r.DeviceRef,
		AccessScope: r.Scope, ValidFrom: r.ValidFrom.UTC(), ValidTo: utcPtr(r.ValidTo),
		GrantedBy: r.GrantedBy, GrantedByRef: r.GrantedByRef, Evidence: r.Evidence,
		RecordedBy: r.RecordedBy, RecordedAt: r.RecordedAt.UTC(),
	}
}

func contactRow(base Pulled, r *record.Contact) Contact {
	return Contact{Pulled: base, CustomerRef: r.CustomerRef, Name: r.Name, Email: r.Email, Authorised: r.Authorised, Active: r.Active}
}

// attributesJSON encodes attributes as a JSON object with sorted keys, "" when none.
func attributesJSON(attrs map[string]string) string {
	if len(attrs) == 0 {
		return ""
	}
	b, _ := json.Marshal(attrs) // a map of strings always encodes
	return string(b)
}

func (s *Store) pulled(p *Page, k record.Key, raw []byte, t Table) (Pulled, error) {
	sealed, err := s.sealRaw(raw, t.Name)
	if err != nil {
		return Pulled{}, fmt.Errorf("sealing %s %s: %w", t.Name, k.SourceID, err)
	}
	id, err := s.storedSourceID(t, k.SourceID)
	if err != nil {
		return Pulled{}, err
	}
	return Pulled{
		Source: k.Source, SourceID: id, Stream: p.Key.Stream, Scope: p.Key.Scope,
		SeenAt: p.SeenAt, Raw: sealed,
	}, nil
}

// storedSourceID is how table t stores a source's id: as a person reference when
// the ids name people.
func (s *Store) storedSourceID(t Table, id string) (string, error) {
	if !t.personIDs() {
		return id, nil
	}
	stored, err := s.PersonRef(id)
	if err != nil {
		return "", fmt.Errorf("store: %s: %w", t.Name, err)
	}
	return stored, nil
}

// storedSourceIDs is storedSourceID of each id.
func (s *Store) storedSourceIDs(t Table, ids []string) ([]string, error) {
	out := make([]string, len(ids))
	for i, id := range ids {
		var err error
		if out[i], err = s.storedSourceID(t, id); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// sealRaw seals a raw payload bound to its table, or drops it when no sealer is set
// or raw payloads are not kept.
func (s *Store) sealRaw(raw []byte, table string) (string, error) {
	if s.sealer == nil || s.dropRaw || len(raw) == 0 {
		return "", nil
	}
	return s.sealer.Seal(raw, []byte(table+".raw"))
}

// OpenRaw returns the clear raw payload of a row of table.
func (s *Store) OpenRaw(sealed, table string) ([]byte, error) {
	if sealed == "" {
		return nil, nil
	}
	if s.sealer == nil {
		return nil, fmt.Errorf("store: %s.raw is sealed and no sealing key is configured", table)
	}
	return s.sealer.Open(sealed, []byte(table+".raw"))
}

// upsertConfigurations writes configurations with their backups: the page lists each
// configuration's complete set of backups.
func (s *Store) upsertConfigurations(tx *gorm.DB, t Table, all []pageRecord) error {
	recs := make([]*record.Configuration, len(all))
	for i, pr := range all {
		recs[i] = pr.record.(*record.Configuration)
	}
	rows := make([]Configuration, len(recs))
	sourceIDs := make([]string, len(recs))
	for i, r := range recs {
		base, err := s.pulled(all[i].page, r.RecordKey(), rawOf(r), t)
		if err != nil {
			return err
		}
		rows[i] = Configuration{
			Pulled: base, CustomerRef: r.CustomerRef, Name: r.Name, Hostname: r.Hostname,
			Serial: r.Serial, TypeName: r.TypeName, InstalledAt: utcPtr(r.InstalledAt),
			Archived: r.Archived, SourceCreatedAt: r.SourceCreatedAt.UTC(), SourceUpdatedAt: r.SourceUpdatedAt.UTC(),
		}
		sourceIDs[i] = r.SourceID
	}
	if err := upsert(tx, &rows, t); err != nil {
		return err
	}
	source := recs[0].Source
	var ids []struct {
		ID       uint
		SourceID string
	}
	if err := tx.Model(&Configuration{}).Select("id", "source_id").
		Where("source = ? AND source_id IN ?", source, sourceIDs).Scan(&ids).Error; err != nil {
		return fmt.Errorf("reading configuration ids: %w", err)
	}
	idBySource := make(map[string]uint, len(ids))
	configIDs := make([]uint, 0, len(ids))
	for _, row := range ids {
		idBySource[row.SourceID] = row.ID
		configIDs = append(configIDs, row.ID)
	}
	var backups []ConfigBackup
	var keep []string
	for _, r := range recs {
		for _, b := range r.Backups {
			sealed, err := s.sealRaw(b.Raw, "config_backups")
			if err != nil {
				return fmt.Errorf("sealing backup %s: %w", b.SourceID, err)
			}
			backups = append(backups, ConfigBackup{
				Source: source, SourceID: b.SourceID, ConfigurationID: idBySource[r.SourceID],
				FileName: b.FileName, Name: b.Name, ContentType: b.ContentType, Size: b.Size,
				SourceCreatedAt: b.CreatedAt.UTC(), SourceUpdatedAt: b.UpdatedAt.UTC(), Raw: sealed,
			})
			keep = append(keep, b.SourceID)
		}
	}
	// The page lists each configuration's complete set of backups: drop the ones the
	// source no longer has, then upsert the rest.
	stale := tx.Where("configuration_id IN ?", configIDs)
	if len(keep) > 0 {
		stale = stale.Where("source_id NOT IN ?", keep)
	}
	if err := stale.Delete(&ConfigBackup{}).Error; err != nil {
		return fmt.Errorf("removing backups no longer attached: %w", err)
	}
	if len(backups) == 0 {
		return nil
	}
	return upsert(tx, &backups, Table{})
}

// digested is a row with a ContentDigest.
type digested interface{ digested() *ContentDigest }

func (c *ContentDigest) digested() *ContentDigest { return c }

// digest sets the content digest of row d of table t from record r: SHA-256 of the
// record's JSON (its fields and its raw payload), sealed deterministically so that
// it says nothing but whether two contents are equal. Without a sealer that can, the
// digest stays a plain SHA-256: the values are then in clear anyway.
func (s *Store) digest(d digested, r record.Record, t Table) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("digesting %s %s: %w", t.Name, r.RecordKey().SourceID, err)
	}
	sum := sha256.Sum256(b)
	digest := hex.EncodeToString(sum[:])
	if ds, ok := s.sealer.(DeterministicSealer); ok {
		if digest, err = ds.SealDeterministic([]byte(digest), []byte(t.Name+".digest")); err != nil {
			return fmt.Errorf("sealing the digest of %s %s: %w", t.Name, r.RecordKey().SourceID, err)
		}
	}
	d.digested().Digest = digest
	return nil
}

// upsert inserts rows into t, updating every column but the primary key, t's local
// columns and its resolved ids when (source, source_id) already exists; a resolved
// id whose reference changed is cleared, for mapping to resolve again. A row seen
// again is no longer removed. A row with a content digest is left as it is when the
// digest did not change.
func upsert[T any](tx *gorm.DB, rows *[]T, t Table) error {
	stmt := &gorm.Statement{DB: tx}
	if err := stmt.Parse(new(T)); err != nil {
		return fmt.Errorf("parsing model: %w", err)
	}
	exclude := t.upsertExcluded()
	var update []string
	for _, name := range stmt.Schema.DBNames {
		if name == "id" || slices.Contains(exclude, name) {
			continue
		}
		update = append(update, name)
	}
	set := clause.AssignmentColumns(update)
	for _, r := range t.Resolved {
		if r.Ref == "source_id" {
			continue // the conflict key: it never changes
		}
		// A row whose reference changed (a device moved to another site) loses the
		// id its old reference resolved to, and mapping resolves the new one.
		set = append(set, clause.Assignment{Column: clause.Column{Name: r.Column},
			Value: gorm.Expr(fmt.Sprintf("CASE WHEN %[1]s.%[2]s = excluded.%[2]s THEN %[1]s.%[3]s END", stmt.Schema.Table, r.Ref, r.Column))})
	}
	onConflict := clause.OnConflict{
		Columns:   []clause.Column{{Name: "source"}, {Name: "source_id"}},
		DoUpdates: set,
	}
	if _, ok := any(new(T)).(digested); ok {
		onConflict.Where = clause.Where{Exprs: []clause.Expression{
			clause.Expr{SQL: stmt.Schema.Table + ".digest <> excluded.digest"},
		}}
	}
	err := tx.Clauses(onConflict).CreateInBatches(rows, insertBatch).Error
	if err != nil {
		return fmt.Errorf("upserting %s: %w", stmt.Schema.Table, err)
	}
	return nil
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
