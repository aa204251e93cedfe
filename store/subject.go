package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// A subject access request names a person; Custos answers it from the data
// inventory: every table with a personal column is read, each value opened, and a
// row is about the person when it is linked to them (their technician or contact
// record) or when one of its personal values names them. Nothing here depends on a
// table's meaning beyond what the inventory and the link columns say, so a new
// personal column is covered as soon as the inventory classifies it.

// Subject is the person a subject access request is about, as Custos knows them.
type Subject struct {
	// Query is what the request named: a name, an e-mail address, a sign-in name,
	// "technician:ID" or "contact:ID".
	Query string
	// TechnicianID is the MSP's technician the person is, if they are one.
	TechnicianID *uint
	// ContactIDs are the customers' contacts that are the person.
	ContactIDs []uint
	// Identifiers are every value Custos holds that names the person (names, e-mail
	// addresses, user names), compared without regard to case.
	Identifiers []string
}

// SubjectSection is one table's records about a subject.
type SubjectSection struct {
	Table string `json:"table"`
	About string `json:"about"`
	// Fields says, for each personal column, why Custos keeps it and whose data it is.
	Fields map[string]string `json:"fields"`
	Rows   []SubjectRow      `json:"rows"`
}

// SubjectRow is one record about a subject: every column, personal ones opened.
type SubjectRow struct {
	// Key is the row's primary key (its id in most tables).
	Key any `json:"key"`
	// Why says how the row was found: the link to the person, or the columns naming them.
	Why string `json:"why"`
	// Linked says that the row is tied to the person's own record, not only naming them.
	Linked bool           `json:"linked"`
	Values map[string]any `json:"values"`
}

// ErrNoSubject is returned when a request names nobody Custos can find.
var ErrNoSubject = errors.New("no record names them")

// minIdentifier is the shortest value that counts as naming a person: shorter ones
// (initials, a two-letter key) would match unrelated text.
const minIdentifier = 3

var recordID = regexp.MustCompile(`^(technician|contact)\s*[:#]\s*(\d+)$`)

// FindSubject works out who query names: a technician or contact by id, or any
// technician, contact or technician's account whose name, e-mail address or user
// name it equals (without regard to case). A technician brings every name Custos
// holds for them (their aliases, accounts and the tools' ids linked to them). A
// query that names no such record is still a subject: a customer's user, say,
// whom only audit records name.
func (s *Store) FindSubject(ctx context.Context, query string) (Subject, error) {
	query = strings.TrimSpace(query)
	if utf8.RuneCountInString(query) < minIdentifier {
		return Subject{}, fmt.Errorf("store: subject %q: name a person by at least %d characters", query, minIdentifier)
	}
	subj := Subject{Query: query}
	db := s.db.WithContext(ctx)
	var technicians []Technician
	var contacts []Contact
	var accounts []UserAccount
	if err := db.Find(&technicians).Error; err != nil {
		return subj, fmt.Errorf("store: subject: reading technicians: %w", err)
	}
	if err := db.Find(&contacts).Error; err != nil {
		return subj, fmt.Errorf("store: subject: reading contacts: %w", err)
	}
	if err := db.Find(&accounts).Error; err != nil {
		return subj, fmt.Errorf("store: subject: reading user accounts: %w", err)
	}
	for i := range accounts {
		// An account's source id is its user name, stored as a person reference.
		clear, err := openPersonal(s.sealer, accounts[i].SourceID, personalData)
		if err != nil {
			return subj, fmt.Errorf("store: subject: opening user account %d: %w", accounts[i].ID, err)
		}
		accounts[i].SourceID = clear
	}
	names := func(values ...string) bool {
		return slices.ContainsFunc(values, func(v string) bool { return strings.EqualFold(v, query) })
	}
	var byID struct {
		kind string
		id   uint
	}
	if m := recordID.FindStringSubmatch(strings.ToLower(query)); m != nil {
		id, err := strconv.ParseUint(m[2], 10, 32)
		if err != nil {
			return subj, fmt.Errorf("store: subject %q: %w", query, err)
		}
		byID.kind, byID.id = m[1], uint(id)
	}
	for _, t := range technicians {
		if (byID.kind == "technician" && byID.id == t.ID) || names(append([]string{t.Name, t.Key, t.Email}, aliases(t.Aliases)...)...) {
			subj.TechnicianID = &t.ID
		}
	}
	for _, a := range accounts {
		if a.TechnicianID != nil && subj.TechnicianID == nil && names(a.SourceID, a.Name, a.Email) {
			subj.TechnicianID = a.TechnicianID
		}
	}
	for _, c := range contacts {
		if (byID.kind == "contact" && byID.id == c.ID) || names(c.Name, c.Email) {
			subj.ContactIDs = append(subj.ContactIDs, c.ID)
			subj.Identifiers = append(subj.Identifiers, c.Name, c.Email)
		}
	}
	if byID.kind != "" && subj.TechnicianID == nil && len(subj.ContactIDs) == 0 {
		return subj, fmt.Errorf("store: subject %q: %w", query, ErrNoSubject)
	}
	if byID.kind == "" {
		subj.Identifiers = append(subj.Identifiers, query)
	}
	if subj.TechnicianID != nil {
		ids, err := s.technicianIdentifiers(ctx, *subj.TechnicianID, technicians, accounts)
		if err != nil {
			return subj, err
		}
		subj.Identifiers = append(subj.Identifiers, ids...)
	}
	subj.Identifiers = identifiers(subj.Identifiers)
	return subj, nil
}

// technicianIdentifiers lists every name Custos holds for technician id: their
// record, their accounts in the tools, and the tools' ids linked to them.
func (s *Store) technicianIdentifiers(ctx context.Context, id uint, technicians []Technician, accounts []UserAccount) ([]string, error) {
	var out []string
	for _, t := range technicians {
		if t.ID == id {
			out = append(append(out, t.Name, t.Key, t.Email), aliases(t.Aliases)...)
		}
	}
	for _, a := range accounts {
		if a.TechnicianID != nil && *a.TechnicianID == id {
			out = append(out, a.SourceID, a.Name, a.Email)
		}
	}
	var links []string
	err := s.db.WithContext(ctx).Model(&Link{}).Where("kind = ? AND target_id = ?", LinkTechnician, id).Pluck("source_id", &links).Error
	if err != nil {
		return nil, fmt.Errorf("store: subject: reading technician %d's links: %w", id, err)
	}
	for _, l := range links {
		clear, err := openPersonal(s.sealer, l, personalData)
		if err != nil {
			return nil, fmt.Errorf("store: subject: opening a link of technician %d: %w", id, err)
		}
		out = append(out, clear)
	}
	return out, nil
}

// aliases splits a technician's "|"-separated aliases.
func aliases(s string) []string { return strings.Split(s, "|") }

// identifiers keeps the values long enough to name a person, once each.
func identifiers(values []string) []string {
	var out []string
	for _, v := range values {
		v = strings.TrimSpace(v)
		if utf8.RuneCountInString(v) >= minIdentifier && !IsPseudonym(v) &&
			!slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, v) }) {
			out = append(out, v)
		}
	}
	return out
}

// SubjectRecords lists, table by table in the order of the data inventory's tables,
// every record about subj with all its columns (personal ones opened). Sealed
// values need the sealing key.
func (s *Store) SubjectRecords(ctx context.Context, subj Subject) ([]SubjectSection, error) {
	var out []SubjectSection
	err := s.eachSubjectRow(ctx, s.db.WithContext(ctx), subj, func(t Table, row SubjectRow) error {
		if len(out) == 0 || out[len(out)-1].Table != t.Name {
			inv := t.InventoryOf()
			fields := map[string]string{}
			for _, p := range inv.Personal {
				fields[p.Column] = fmt.Sprintf("%s (%s)", p.Why, categoryList(p.Categories))
			}
			out = append(out, SubjectSection{Table: t.Name, About: inv.About, Fields: fields})
		}
		out[len(out)-1].Rows = append(out[len(out)-1].Rows, row)
		return nil
	})
	return out, err
}

func categoryList(cs []Category) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return strings.Join(out, ", ")
}

// subjectBatch is how many rows of a table eachSubjectRow reads at once.
const subjectBatch = 500

// eachSubjectRow calls fn with every row about subj, reading each table with a
// personal column in primary key order, a batch at a time, through db.
func (s *Store) eachSubjectRow(ctx context.Context, db *gorm.DB, subj Subject, fn func(Table, SubjectRow) error) error {
	for _, t := range tables {
		if len(t.InventoryOf().Personal) == 0 {
			continue
		}
		key, err := primaryKey(db, t)
		if err != nil {
			return err
		}
		linked := subjectLinks(db, t, subj)
		var after any
		for {
			q := db.Table(t.Name).Order(key).Limit(subjectBatch)
			if after != nil {
				q = q.Where(key+" > ?", after)
			}
			var rows []map[string]any
			if err := q.Find(&rows).Error; err != nil {
				return fmt.Errorf("store: subject: reading %s after %s %v: %w", t.Name, key, after, err)
			}
			if len(rows) == 0 {
				break
			}
			for _, values := range rows {
				after = values[key]
				row, about, err := s.subjectRow(t, values[key], values, subj, linked)
				if err != nil {
					return err
				}
				if about {
					if err := fn(t, row); err != nil {
						return err
					}
				}
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// primaryKey returns the column of t's primary key.
func primaryKey(db *gorm.DB, t Table) (string, error) {
	stmt := &gorm.Statement{DB: db}
	if err := stmt.Parse(t.Model); err != nil {
		return "", fmt.Errorf("store: subject: reading the columns of %s: %w", t.Name, err)
	}
	if f := stmt.Schema.PrioritizedPrimaryField; f != nil {
		return f.DBName, nil
	}
	if len(stmt.Schema.PrimaryFields) == 1 {
		return stmt.Schema.PrimaryFields[0].DBName, nil
	}
	return "", fmt.Errorf("store: subject: %s has no single primary key", t.Name)
}

// subjectLink is a column whose value, when it is one of ids, ties a row to the subject.
type subjectLink struct {
	column string
	ids    []uint
	// only is a further condition on the row (a link's kind).
	only func(map[string]any) bool
}

// subjectLinks lists the columns of t that tie its rows to subj's records.
func subjectLinks(db *gorm.DB, t Table, subj Subject) []subjectLink {
	var out []subjectLink
	if subj.TechnicianID != nil {
		tech := []uint{*subj.TechnicianID}
		switch {
		case t.Name == "technicians":
			out = append(out, subjectLink{column: "id", ids: tech})
		case t.Name == "links":
			out = append(out, subjectLink{column: "target_id", ids: tech, only: func(v map[string]any) bool { return v["kind"] == LinkTechnician }})
		case db.Migrator().HasColumn(t.Model, "technician_id"):
			out = append(out, subjectLink{column: "technician_id", ids: tech})
		}
	}
	if len(subj.ContactIDs) > 0 && t.Name == "contacts" {
		out = append(out, subjectLink{column: "id", ids: subj.ContactIDs})
	}
	return out
}

// subjectRow opens the row's personal values and says whether it is about subj.
func (s *Store) subjectRow(t Table, key any, values map[string]any, subj Subject, linked []subjectLink) (SubjectRow, bool, error) {
	row := SubjectRow{Key: key, Values: values}
	var why []string
	for _, l := range linked {
		v, err := rowID(values[l.column])
		if err == nil && slices.Contains(l.ids, v) && (l.only == nil || l.only(values)) {
			why = append(why, "linked by "+l.column)
			row.Linked = true
		}
	}
	for _, p := range t.InventoryOf().Personal {
		stored, _ := values[p.Column].(string)
		if b, ok := values[p.Column].([]byte); ok {
			stored = string(b)
		}
		if stored == "" {
			continue
		}
		clear, err := openPersonal(s.sealer, stored, associatedData(t, p))
		if err != nil {
			return row, false, fmt.Errorf("store: subject: opening %s.%s of row %v: %w", t.Name, p.Column, key, err)
		}
		values[p.Column] = clear
		if slices.ContainsFunc(subj.Identifiers, func(i string) bool { return containsFold(clear, i) }) {
			why = append(why, p.Column+" names them")
		}
	}
	row.Why = strings.Join(why, "; ")
	return row, len(why) > 0, nil
}

// associatedData is what a personal column's values are sealed with.
func associatedData(t Table, p Personal) []byte {
	if p.BoundToColumn {
		return []byte(t.Name + "." + p.Column)
	}
	return personalData
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// rowID reads an id column as the drivers return it.
func rowID(v any) (uint, error) {
	switch n := v.(type) {
	case int64:
		return uint(n), nil
	case int32:
		return uint(n), nil
	case int:
		return uint(n), nil
	case uint:
		return n, nil
	}
	return 0, fmt.Errorf("id is a %T", v)
}

// Erased is what EraseSubject did.
type Erased struct {
	Erasure Erasure
	// Changed counts, per table, the rows changed (links: deleted).
	Changed map[string]int
}

// EraseSubject removes subj from every record about them, in one transaction, and
// records the erasure (by requestedBy, because of reason). What a record must keep
// for another duty (an access, a finding, an authorisation: the audit trail the
// customer is owed) stays, with the person replaced by a pseudonym: the technician's
// own (TechnicianPseudonym), so that past months still count per technician, or the
// erasure's. Their technician or contact record keeps only the pseudonym; the tools'
// ids linked to them, their accounts in the tools (rows whose source id is a
// person's name) and their console sessions are deleted; vendor payloads that name
// them are cleared; the network addresses of their own accesses are cleared; every
// other value that names them has those names replaced by the pseudonym.
func (s *Store) EraseSubject(ctx context.Context, subj Subject, requestedBy, reason string, now time.Time) (Erased, error) {
	if strings.TrimSpace(requestedBy) == "" || strings.TrimSpace(reason) == "" {
		return Erased{}, errors.New("store: erasure: say who asked for it and why")
	}
	if len(subj.Identifiers) == 0 && subj.TechnicianID == nil && len(subj.ContactIDs) == 0 {
		return Erased{}, fmt.Errorf("store: erasure of %q: %w", subj.Query, ErrNoSubject)
	}
	done := Erased{Changed: map[string]int{}}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e := Erasure{ErasedAt: now.UTC(), Pseudonym: "pending", RequestedBy: requestedBy, Reason: reason, Counts: "{}"}
		if err := tx.Create(&e).Error; err != nil {
			return fmt.Errorf("store: erasure: recording it: %w", err)
		}
		e.Pseudonym = erasedPseudonym(e.ID)
		if subj.TechnicianID != nil {
			e.Pseudonym = TechnicianPseudonym(*subj.TechnicianID)
		}
		err := s.eachSubjectRow(ctx, tx, subj, func(t Table, row SubjectRow) error {
			if t.Name == "erasures" {
				return nil
			}
			// A console session of theirs is signed out rather than renamed.
			if t.Name == "links" || t.Name == "console_sessions" || t.personIDs() {
				if err := tx.Table(t.Name).Where("id = ?", row.Key).Delete(map[string]any{}).Error; err != nil {
					return fmt.Errorf("store: erasure: deleting %s row %v: %w", t.Name, row.Key, err)
				}
				done.Changed[t.Name]++
				return nil
			}
			changed, err := s.eraseRow(tx, t, row, subj, e.Pseudonym)
			if changed {
				done.Changed[t.Name]++
			}
			return err
		})
		if err != nil {
			return err
		}
		if len(done.Changed) == 0 {
			// Nothing names them: no erasure happened, so none is recorded.
			return fmt.Errorf("store: erasure of %q: %w; nothing was erased", subj.Query, ErrNoSubject)
		}
		counts, err := json.Marshal(done.Changed)
		if err != nil {
			return fmt.Errorf("store: erasure: %w", err)
		}
		e.Counts = string(counts)
		if err := tx.Model(&e).Select("pseudonym", "counts").Updates(&e).Error; err != nil {
			return fmt.Errorf("store: erasure: recording what it did: %w", err)
		}
		done.Erasure = e
		return nil
	})
	if err != nil {
		return Erased{}, err
	}
	return done, s.Reclaim(ctx)
}

// eraseRow rewrites the personal values of one row about subj and reports whether
// any changed.
func (s *Store) eraseRow(tx *gorm.DB, t Table, row SubjectRow, subj Subject, pseudonym string) (bool, error) {
	changes := map[string]any{}
	for _, p := range t.InventoryOf().Personal {
		clear, _ := row.Values[p.Column].(string)
		if clear == "" {
			continue
		}
		erased := erasedValue(t.Name, p, row.Linked, clear, subj.Identifiers, pseudonym)
		if erased == clear {
			continue
		}
		stored, err := s.sealAs(t, p, erased)
		if err != nil {
			return false, fmt.Errorf("store: erasure: sealing %s.%s of row %v: %w", t.Name, p.Column, row.Key, err)
		}
		changes[p.Column] = stored
	}
	if len(changes) == 0 {
		return false, nil
	}
	key, err := primaryKey(tx, t)
	if err != nil {
		return false, err
	}
	if err := tx.Table(t.Name).Where(key+" = ?", row.Key).Updates(changes).Error; err != nil {
		return false, fmt.Errorf("store: erasure: writing %s row %v: %w", t.Name, row.Key, err)
	}
	return true, nil
}

// erasedValue is what a personal value of a row about the subject becomes: a vendor
// payload is cleared, the person's own record keeps only the pseudonym, a network
// address of a row tied to them is cleared, a reference to them becomes the
// pseudonym, and any other value has their names replaced by it.
func erasedValue(table string, p Personal, linked bool, clear string, identifiers []string, pseudonym string) string {
	switch {
	case p.BoundToColumn && p.Column == "raw":
		return ""
	case linked && slices.Equal(p.Categories, []Category{NetworkAddresses}):
		return ""
	case table == "technicians" || table == "contacts":
		if p.Column == "name" || p.Column == "key" {
			return pseudonym
		}
		return ""
	case p.Reference && slices.ContainsFunc(identifiers, func(i string) bool { return strings.EqualFold(i, clear) }):
		return pseudonym
	}
	for _, i := range identifiers {
		clear = replaceFold(clear, i, pseudonym)
	}
	return clear
}

// replaceFold replaces every occurrence of old in s, without regard to case.
func replaceFold(s, old, replacement string) string {
	re := regexp.MustCompile(`(?i)` + regexp.QuoteMeta(old))
	return re.ReplaceAllLiteralString(s, replacement)
}

// sealAs stores a personal value of t as its column is stored: sealed with the
// column's associated data (or as the serializers do), or as it is without a key.
func (s *Store) sealAs(t Table, p Personal, clear string) (string, error) {
	if p.BoundToColumn {
		if s.sealer == nil || clear == "" {
			return clear, nil
		}
		return s.sealer.Seal([]byte(clear), associatedData(t, p))
	}
	return sealPersonal(s.sealer, clear, p.Reference, personalData)
}

// Erasures lists the erasures done, oldest first.
func (s *Store) Erasures(ctx context.Context) ([]Erasure, error) {
	var out []Erasure
	if err := s.db.WithContext(ctx).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: listing erasures: %w", err)
	}
	return out, nil
}
