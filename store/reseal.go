package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/custos-msp/custos/seal"
)

// Resealer is a Sealer that can tell a value sealed with a key other than its
// current one (seal.Keyring).
type Resealer interface {
	Sealer
	NeedsReseal(sealed string) bool
}

// ErrNoResealer is what Reseal fails with when the store has no sealing key, or one
// that cannot tell old values from new.
var ErrNoResealer = errors.New("no sealing key that can re-seal is configured (set seal.key)")

// Resealed counts, per "table.column", the values Reseal sealed again.
type Resealed map[string]int

// Reseal opens every sealed value (the columns the data inventory marks sealed)
// that an earlier key sealed and seals it again with the current key, in batches of
// batch rows (DefaultPruneBatch when not positive), each row changed only if its
// value is still the one read. Afterwards the previous keys open nothing and can be
// removed from the configuration. Personal values stored in clear (before sealing,
// or while no key was configured) are sealed too.
func (s *Store) Reseal(ctx context.Context, batch int) (Resealed, error) {
	r, ok := s.sealer.(Resealer)
	if !ok {
		return nil, ErrNoResealer
	}
	if batch <= 0 {
		batch = DefaultPruneBatch
	}
	done := Resealed{}
	for _, t := range tables {
		for _, p := range t.InventoryOf().Personal {
			if !p.Sealed {
				continue
			}
			n, err := s.resealColumn(ctx, r, t, p, batch)
			done[t.Name+"."+p.Column] = n
			if err != nil {
				return done, err
			}
		}
	}
	return done, nil
}

// resealColumn reseals one column of table t, a batch of rows at a time in id order.
func (s *Store) resealColumn(ctx context.Context, r Resealer, t Table, p Personal, batch int) (int, error) {
	column := p.Column
	field := personalData
	if p.BoundToColumn {
		field = []byte(t.Name + "." + column)
	}
	resealed := 0
	var after any
	for {
		// The id is a number in most tables and text in some (console_sessions): the
		// rows are read as maps, which keep whichever the driver gives.
		var rows []map[string]any
		q := s.db.WithContext(ctx).Table(t.Name).Select("id, " + column + " AS value").Where(column + " <> ''")
		if after != nil {
			q = q.Where("id > ?", after)
		}
		if p.Only != "" {
			q = q.Where(p.Only)
		}
		err := q.Order("id").Limit(batch).Find(&rows).Error
		if err != nil {
			return resealed, fmt.Errorf("store: reading %s.%s after id %v: %w", t.Name, column, after, err)
		}
		if len(rows) == 0 {
			return resealed, nil
		}
		after = rows[len(rows)-1]["id"]
		for _, row := range rows {
			id, value := row["id"], text(row["value"])
			legacy := !p.BoundToColumn && !seal.IsSealed(value)
			if (!legacy && !r.NeedsReseal(value)) || (legacy && IsPseudonym(value)) {
				continue
			}
			clear := []byte(value)
			if !legacy {
				if clear, err = r.Open(value, field); err != nil {
					return resealed, fmt.Errorf("store: opening %s.%s of row %v: %w", t.Name, column, id, err)
				}
			}
			sealed, err := sealPersonal(r, string(clear), p.Reference, field)
			if p.BoundToColumn {
				sealed, err = r.Seal(clear, field)
			}
			if err != nil {
				return resealed, fmt.Errorf("store: sealing %s.%s of row %v: %w", t.Name, column, id, err)
			}
			res := s.db.WithContext(ctx).Table(t.Name).Where("id = ? AND "+column+" = ?", id, value).Update(column, sealed)
			if res.Error != nil {
				return resealed, fmt.Errorf("store: writing %s.%s of row %v: %w", t.Name, column, id, res.Error)
			}
			resealed += int(res.RowsAffected)
		}
	}
}

// text reads a text column as the drivers return it.
func text(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []byte:
		return string(t)
	}
	return ""
}
