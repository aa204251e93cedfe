package store

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// Unresolved is a source's reference that mapping could not tie to a canonical row,
// with the records that depend on it.
type Unresolved struct {
	// Kind is LinkCustomer or LinkTechnician.
	Kind   string
	Source string
	// Ref is the source's id ("" when the records name no customer at all); Name is
	// what the source calls it.
	Ref  string
	Name string
	// Records counts the access events and agents that name Ref; First and Last are
	// when the earliest and latest of them happened.
	Records     int
	First, Last time.Time
}

// Unresolved lists the customer references of access events and agents, and the
// technician names of access events, that have no link, ordered by kind, source and
// reference.
func (s *Store) Unresolved(ctx context.Context) ([]Unresolved, error) {
	db := s.db.WithContext(ctx)
	var out []Unresolved
	for _, q := range []struct {
		kind, from, ref, time, where string
	}{
		{LinkCustomer, "access_events", "customer_ref", "started_at", "customer_id IS NULL"},
		{LinkCustomer, "agents", "customer_ref", "installed_at", "customer_id IS NULL AND removed_at IS NULL"},
		{LinkTechnician, "access_events", "actor_ref", "started_at", "technician_id IS NULL AND actor_ref <> ''"},
	} {
		var rows []struct {
			Source      string
			Ref         string `gorm:"serializer:personal"`
			Records     int
			First, Last string
		}
		err := db.Table(q.from).
			Select(fmt.Sprintf("source, %s AS ref, COUNT(*) AS records, MIN(%s) AS first, MAX(%[2]s) AS last", q.ref, q.time)).
			Where(q.where).Group("source, " + q.ref).Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("store: listing unresolved %s references of %s: %w", q.kind, q.from, err)
		}
		for _, r := range rows {
			first, err := parseDBTime(r.First)
			if err != nil {
				return nil, fmt.Errorf("store: %s: %w", q.from, err)
			}
			last, err := parseDBTime(r.Last)
			if err != nil {
				return nil, fmt.Errorf("store: %s: %w", q.from, err)
			}
			out = mergeUnresolved(out, Unresolved{Kind: q.kind, Source: r.Source, Ref: r.Ref, Records: r.Records, First: first, Last: last})
		}
	}
	if err := s.nameUnresolved(ctx, out); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.Ref < b.Ref
	})
	return out, nil
}

// mergeUnresolved adds u to list, summing with an entry for the same reference.
func mergeUnresolved(list []Unresolved, u Unresolved) []Unresolved {
	for i, e := range list {
		if e.Kind == u.Kind && e.Source == u.Source && e.Ref == u.Ref {
			list[i].Records += u.Records
			if u.First.Before(e.First) {
				list[i].First = u.First
			}
			if u.Last.After(e.Last) {
				list[i].Last = u.Last
			}
			return list
		}
	}
	return append(list, u)
}

// nameUnresolved fills in what the source calls each customer reference (a Datto
// RMM site's name) and each technician (the event's display name).
func (s *Store) nameUnresolved(ctx context.Context, list []Unresolved) error {
	for i, u := range list {
		var names []struct {
			Name string `gorm:"serializer:personal"`
		}
		var err error
		switch {
		case u.Ref == "":
			list[i].Name = "(none)"
			continue
		case u.Kind == LinkCustomer:
			err = s.db.WithContext(ctx).Model(&Organization{}).Select("name").Where("source = ? AND source_id = ?", u.Source, u.Ref).Limit(1).Scan(&names).Error
		default:
			var ref string
			if ref, err = s.PersonRef(u.Ref); err == nil {
				err = s.db.WithContext(ctx).Model(&AccessEvent{}).Select("actor_name AS name").
					Where("source = ? AND actor_ref = ? AND actor_name <> ''", u.Source, ref).Limit(1).Scan(&names).Error
			}
		}
		if err != nil {
			return fmt.Errorf("store: naming unresolved %s %s %q: %w", u.Source, u.Kind, u.Ref, err)
		}
		list[i].Name = u.Ref
		if len(names) > 0 {
			list[i].Name = names[0].Name
		}
	}
	return nil
}

// dbTimeLayouts are the forms an aggregate over a time column comes back in: SQLite
// returns the stored text, PostgreSQL a time that database/sql formats as RFC 3339.
var dbTimeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05"}

// parseDBTime reads a time an aggregate returned as text.
func parseDBTime(s string) (time.Time, error) {
	for _, layout := range dbTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unreadable time %q", s)
}
