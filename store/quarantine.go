package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/custos-msp/custos/record"
)

// quarantineItemKey is a quarantined record's identity within its stream's scope: its
// source id, or a digest of its excerpt and error when it has none, so that pulling
// the same bad payload again updates its row.
func quarantineItemKey(q *record.Quarantined) string {
	if q.SourceID != "" {
		return q.SourceID
	}
	h := sha256.New()
	h.Write(q.Raw)
	h.Write([]byte{0})
	h.Write([]byte(q.Err))
	return "digest:" + hex.EncodeToString(h.Sum(nil)[:16])
}

// upsertQuarantined writes pages' quarantined records, keeping the first time
// each was seen.
func (s *Store) upsertQuarantined(tx *gorm.DB, t Table, recs []pageRecord) error {
	type key struct {
		scope StreamKey
		item  string
	}
	var rows lastWins[key, QuarantinedRecord]
	for _, pr := range recs {
		q, p := pr.record.(*record.Quarantined), pr.page
		raw, err := s.sealRaw(q.Raw, t.Name)
		if err != nil {
			return fmt.Errorf("sealing %s %s: %w", t.Name, q.SourceID, err)
		}
		row := QuarantinedRecord{
			Source: q.Source, Stream: p.Key.Stream, Scope: p.Key.Scope, ItemKey: quarantineItemKey(q),
			SourceID: q.SourceID, Kind: q.Kind, Page: q.Page, Error: q.Err, Raw: raw,
			FirstSeenAt: p.SeenAt, SeenAt: p.SeenAt,
		}
		rows.put(key{StreamKey{q.Source, p.Key.Stream, p.Key.Scope}, row.ItemKey}, row)
	}
	err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "source"}, {Name: "stream"}, {Name: "scope"}, {Name: "item_key"}},
		DoUpdates: clause.AssignmentColumns([]string{"source_id", "kind", "page", "error", "raw", "seen_at"}),
	}).CreateInBatches(&rows.values, insertBatch).Error
	if err != nil {
		return fmt.Errorf("upserting %s: %w", t.Name, err)
	}
	return nil
}

// dropDecoded deletes the quarantined rows of each page's stream and scope whose
// records the page decoded after all.
func dropDecoded(tx *gorm.DB, pages []Page) error {
	type decodedKey struct {
		stream, scope string
		record.Key
	}
	decoded := map[decodedKey]bool{}
	var sources, streams, scopes []string
	add := func(list *[]string, v string) {
		if !slices.Contains(*list, v) {
			*list = append(*list, v)
		}
	}
	for _, p := range pages {
		for _, r := range p.Records {
			if _, ok := r.(*record.Quarantined); !ok {
				k := r.RecordKey()
				add(&sources, k.Source)
				add(&streams, p.Key.Stream)
				add(&scopes, p.Key.Scope)
				decoded[decodedKey{p.Key.Stream, p.Key.Scope, k}] = true
			}
		}
	}
	if len(decoded) == 0 {
		return nil
	}
	// Usually nothing of the scopes is quarantined: one indexed read says so.
	var held []QuarantinedRecord
	err := tx.Select("id", "source", "stream", "scope", "source_id").
		Where("source IN ? AND stream IN ? AND scope IN ? AND source_id <> ''", sources, streams, scopes).
		Find(&held).Error
	if err != nil {
		return fmt.Errorf("reading quarantined records of %s: %w", pagesOf(pages), err)
	}
	var ids []uint
	for _, q := range held {
		if decoded[decodedKey{q.Stream, q.Scope, record.Key{Source: q.Source, SourceID: q.SourceID}}] {
			ids = append(ids, q.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if err := tx.Where("id IN ?", ids).Delete(&QuarantinedRecord{}).Error; err != nil {
		return fmt.Errorf("deleting quarantined records of %s that decoded: %w", pagesOf(pages), err)
	}
	return nil
}

// heldBack is what a snapshot pull quarantined: the source ids it could read, and
// how many payloads named none.
type heldBack struct {
	ids     []string
	unnamed int
}

// quarantinedInPulls reads what each completed snapshot pull quarantined (the rows
// of its scope seen since it began) and deletes the quarantined rows of their scopes
// that the pulls did not meet again: their records decoded, or the source no longer
// lists them. It returns one heldBack per completion; incremental ones hold nothing.
func quarantinedInPulls(tx *gorm.DB, cs []Completion) ([]heldBack, error) {
	held := make([]heldBack, len(cs))
	at := map[StreamKey]int{}
	var sources, streams, scopes []string
	add := func(list *[]string, v string) {
		if !slices.Contains(*list, v) {
			*list = append(*list, v)
		}
	}
	for i, c := range cs {
		if c.PullStartedAt == nil {
			continue
		}
		at[c.Key] = i
		add(&sources, c.Key.Connector)
		add(&streams, c.Key.Stream)
		scopes = append(scopes, c.Key.Scope)
	}
	if len(at) == 0 {
		return held, nil
	}
	// Usually nothing of the scopes is quarantined: one indexed read says so.
	var rows []QuarantinedRecord
	err := tx.Select("id", "source", "stream", "scope", "source_id", "seen_at").
		Where("source IN ? AND stream IN ? AND scope IN ?", sources, streams, scopes).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: reading quarantined records of %d completed pulls: %w", len(at), err)
	}
	var gone []uint
	for _, r := range rows {
		i, ok := at[StreamKey{r.Source, r.Stream, r.Scope}]
		switch {
		case !ok:
		case r.SeenAt.Before(*cs[i].PullStartedAt):
			gone = append(gone, r.ID)
		case r.SourceID == "":
			held[i].unnamed++
		default:
			held[i].ids = append(held[i].ids, r.SourceID)
		}
	}
	if len(gone) > 0 {
		if err := tx.Where("id IN ?", gone).Delete(&QuarantinedRecord{}).Error; err != nil {
			return nil, fmt.Errorf("store: deleting quarantined records no longer listed: %w", err)
		}
	}
	return held, nil
}

// QuarantineFilter narrows ListQuarantined; empty fields match everything.
type QuarantineFilter struct {
	Source, Stream, Scope string
}

// ListQuarantined returns the quarantined records, by source, stream, scope and
// first seen. Their raw excerpts stay sealed and are not read.
func (s *Store) ListQuarantined(ctx context.Context, f QuarantineFilter) ([]QuarantinedRecord, error) {
	q := s.db.WithContext(ctx).Omit("raw")
	for col, v := range map[string]string{"source": f.Source, "stream": f.Stream, "scope": f.Scope} {
		if v != "" {
			q = q.Where(col+" = ?", v)
		}
	}
	var rows []QuarantinedRecord
	if err := q.Order("source, stream, scope, first_seen_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: listing quarantined records: %w", err)
	}
	return rows, nil
}
