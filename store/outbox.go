package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/custos-msp/custos/vocab"
)

// OutboxEntry is a change of a finding that someone may have to be told about. It is
// written in the transaction that changes the finding, so a crash never loses it.
// findings.Apply writes it unrouted (Receiver empty); notify's routing replaces it
// with one routed entry per receiver. Queueing a Delivery claims the routed entries
// it carries (DeliveryID); they are deleted when the receiver accepted the message,
// and given back (unclaimed, Returned counted) when it failed for good, so a finding
// counts as told only once a receiver accepted it.
//
// The outbox, Delivery, NotifyLog and NotifyGroup rows are notify's: the methods on
// Store below only read and write them (notify.Outbox is the interface they
// implement); what is routed, what is news, what is due, when to retry and what
// counts as notified are notify's decisions.
type OutboxEntry struct {
	ID          uint   `gorm:"primaryKey"`
	FindingID   uint   `gorm:"not null;index"`
	Fingerprint string `gorm:"not null"`
	// Event is one of the Event constants.
	Event    string         `gorm:"not null"`
	Severity vocab.Severity `gorm:"not null"`
	// Receiver is the receiver the entry is routed to; empty until routed.
	Receiver string `gorm:"not null;default:'';index"`
	// Route is the index of the route that sent it to Receiver.
	Route int
	// CreatedAt is when the finding changed (for a repeat, when it fell due).
	CreatedAt time.Time `gorm:"not null"`
	// DeliveryID is the message that carries the entry while it is in flight; nil
	// while the entry waits.
	DeliveryID *uint `gorm:"index"`
	// Returned counts the messages that carried the entry and failed for good.
	Returned int `gorm:"not null;default:0"`
}

// Outbox events: what happened to a finding.
const (
	EventOpened    = "opened"
	EventReopened  = "reopened"
	EventEscalated = "escalated"
	EventResolved  = "resolved"
	// EventRepeat is written by notify, not by findings.Apply: a finding still open
	// after its route's repeat interval.
	EventRepeat = "repeat"
)

// Delivery is one message to one receiver: the outbox row that delivery works from,
// and afterwards the receipt. Body holds the message sealed and is emptied once the
// message is delivered or given up; the receipt (when, where, how it went) stays
// until retention removes it.
type Delivery struct {
	ID       uint   `gorm:"primaryKey"`
	Receiver string `gorm:"not null;index"`
	// Kind is alert, digest, test, report or message (anything sent through the API).
	Kind     string `gorm:"not null"`
	GroupKey string
	// IdempotencyKey is given to the receiver with the message, so a retry after a
	// crash can be recognised as the same message.
	IdempotencyKey string `gorm:"not null;uniqueIndex"`
	// Findings is how many findings the message tells of.
	Findings int
	// Body is the sealed message; empty once delivered or failed for good.
	Body string
	// Status is one of the Delivery constants.
	Status        string    `gorm:"not null;index:idx_delivery_due,priority:1"`
	Attempts      int       `gorm:"not null;default:0"`
	NextAttemptAt time.Time `gorm:"not null;index:idx_delivery_due,priority:2"`
	LastError     string
	CreatedAt     time.Time `gorm:"not null;index"`
	SentAt        *time.Time
}

// Delivery statuses.
const (
	DeliveryPending = "pending"
	DeliverySent    = "sent"
	DeliveryFailed  = "failed"
)

// NotifyLog is the persisted log of what a receiver was last told about a finding;
// notify's de-duplication compares against it.
type NotifyLog struct {
	Fingerprint string `gorm:"primaryKey"`
	Receiver    string `gorm:"primaryKey"`
	// State is firing or resolved.
	State      string         `gorm:"not null"`
	Severity   vocab.Severity `gorm:"not null"`
	NotifiedAt time.Time      `gorm:"not null;index"`
	DeliveryID uint
}

// Notify log states.
const (
	LogFiring   = "firing"
	LogResolved = "resolved"
)

// NotifyReceiver is a receiver's delivery health: when it last accepted a message,
// and since when it has been failing (nil when its latest attempt was accepted),
// with the last failure's reason, free of secrets.
type NotifyReceiver struct {
	Receiver       string `gorm:"primaryKey"`
	LastAcceptedAt *time.Time
	FailingSince   *time.Time
	LastFailedAt   *time.Time
	LastError      string
}

// NotifyGroup records when a group of alerts was last flushed, for group_interval.
type NotifyGroup struct {
	GroupKey  string    `gorm:"primaryKey"`
	FlushedAt time.Time `gorm:"not null"`
}

// outboxEntry describes a change of f for the outbox.
func outboxEntry(f *Finding, event string, severity vocab.Severity, now time.Time) OutboxEntry {
	return OutboxEntry{FindingID: f.ID, Fingerprint: f.Fingerprint, Event: event, Severity: severity, CreatedAt: now}
}

// writeOutbox adds entries in the caller's transaction.
func writeOutbox(tx *gorm.DB, entries []OutboxEntry) error {
	if len(entries) == 0 {
		return nil
	}
	if err := tx.CreateInBatches(entries, 200).Error; err != nil {
		return fmt.Errorf("store: writing %d outbox entries: %w", len(entries), err)
	}
	return nil
}

// Outbox lists the outbox entries, unrouted ones (Receiver empty) included, in the
// order they were written.
func (s *Store) Outbox(ctx context.Context) ([]OutboxEntry, error) {
	var out []OutboxEntry
	if err := s.db.WithContext(ctx).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: reading the outbox: %w", err)
	}
	return out, nil
}

// RouteOutbox replaces the entries with the given ids (unrouted ones, or ones routed
// to a receiver no longer configured) by the routed ones, in one transaction, and
// sets the routed entries' ids to those they were written with. An entry a delivery
// has claimed is never replaced.
func (s *Store) RouteOutbox(ctx context.Context, unrouted []uint, routed []OutboxEntry) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for ids := range slices.Chunk(unrouted, maxPruneBatch) {
			if err := tx.Where("id IN ? AND delivery_id IS NULL", ids).Delete(&OutboxEntry{}).Error; err != nil {
				return err
			}
		}
		for i := range routed {
			routed[i].ID = 0
		}
		return writeOutbox(tx, routed)
	})
	if err != nil {
		return fmt.Errorf("store: routing %d outbox entries: %w", len(unrouted), err)
	}
	return nil
}

// AddOutbox adds routed entries (notify's repeats) and sets their ids.
func (s *Store) AddOutbox(ctx context.Context, entries []OutboxEntry) error {
	return writeOutbox(s.db.WithContext(ctx), entries)
}

// DropOutbox deletes outbox entries by id.
func (s *Store) DropOutbox(ctx context.Context, ids []uint) error {
	for part := range slices.Chunk(ids, maxPruneBatch) {
		if err := s.db.WithContext(ctx).Where("id IN ?", part).Delete(&OutboxEntry{}).Error; err != nil {
			return fmt.Errorf("store: dropping %d outbox entries: %w", len(part), err)
		}
	}
	return nil
}

// Enqueue is a message ready for delivery and what it carries.
type Enqueue struct {
	Delivery Delivery
	// Claimed are the outbox entries the message tells of; they stay in the outbox,
	// claimed by the delivery, until RecordAttempt says how it ended.
	Claimed []uint
}

// EnqueueDelivery stores a delivery as given, claims the outbox entries it carries
// that no other delivery has claimed and, when the delivery has a group key, records
// that the group was flushed at the delivery's CreatedAt, all in one transaction. It
// returns the delivery with its id. The idempotency key is unique: when a delivery
// with the same key is stored already, that one is returned and nothing new is stored.
func (s *Store) EnqueueDelivery(ctx context.Context, e Enqueue) (Delivery, error) {
	d := e.Delivery
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var existing Delivery
		err := tx.Where("idempotency_key = ?", d.IdempotencyKey).Take(&existing).Error
		switch {
		case err == nil:
			d = existing
		case errors.Is(err, gorm.ErrRecordNotFound):
			if err := tx.Create(&d).Error; err != nil {
				return fmt.Errorf("creating delivery: %w", err)
			}
		default:
			return err
		}
		for ids := range slices.Chunk(e.Claimed, maxPruneBatch) {
			err := tx.Model(&OutboxEntry{}).Where("id IN ? AND delivery_id IS NULL", ids).Update("delivery_id", d.ID).Error
			if err != nil {
				return fmt.Errorf("claiming outbox entries: %w", err)
			}
		}
		if d.GroupKey != "" {
			err := tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "group_key"}},
				DoUpdates: clause.AssignmentColumns([]string{"flushed_at"}),
			}).Create(&NotifyGroup{GroupKey: d.GroupKey, FlushedAt: d.CreatedAt}).Error
			if err != nil {
				return fmt.Errorf("recording group %s: %w", d.GroupKey, err)
			}
		}
		return nil
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("store: enqueueing delivery %s to %s: %w", d.IdempotencyKey, d.Receiver, err)
	}
	return d, nil
}

// NotifyLogs lists the notify log's rows by receiver and fingerprint.
func (s *Store) NotifyLogs(ctx context.Context) ([]NotifyLog, error) {
	var rows []NotifyLog
	if err := s.db.WithContext(ctx).Order("receiver, fingerprint").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: reading the notify log: %w", err)
	}
	return rows, nil
}

// GroupFlushes returns when each group was last flushed.
func (s *Store) GroupFlushes(ctx context.Context) (map[string]time.Time, error) {
	var rows []NotifyGroup
	if err := s.db.WithContext(ctx).Order("group_key").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: reading notify groups: %w", err)
	}
	out := make(map[string]time.Time, len(rows))
	for _, r := range rows {
		out[r.GroupKey] = r.FlushedAt
	}
	return out, nil
}

// PendingDeliveries lists pending deliveries whose next attempt is at or before until,
// by next attempt and id, at most limit.
func (s *Store) PendingDeliveries(ctx context.Context, until time.Time, limit int) ([]Delivery, error) {
	var out []Delivery
	err := s.db.WithContext(ctx).Where("status = ? AND next_attempt_at <= ?", DeliveryPending, until.UTC()).
		Order("next_attempt_at, id").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("store: listing pending deliveries: %w", err)
	}
	return out, nil
}

// Attempt is the outcome of one attempt at a delivery, as notify decided it.
type Attempt struct {
	// Status is the delivery's status after the attempt.
	Status string
	// At is when the attempt ended.
	At time.Time
	// NextAttemptAt, when not zero, is when the delivery is tried again.
	NextAttemptAt time.Time
	// SentAt, when not zero, is when the receiver accepted the message.
	SentAt time.Time
	// LastError says why the attempt failed, free of secrets; empty when it did not.
	LastError string
	// Logs are written to the notify log when the message was sent (replacing older
	// rows of the same finding and receiver).
	Logs []NotifyLog
}

// RecordAttempt counts an attempt at a delivery and records its outcome, with the
// receiver's health, in one transaction. A delivery that is no longer pending loses
// its body: no message body outlives its delivery. When it was sent, the outbox
// entries it claimed are deleted and its notify log rows written; when it failed for
// good, they are given back to the outbox (unclaimed, Returned counted).
func (s *Store) RecordAttempt(ctx context.Context, id uint, a Attempt) error {
	updates := map[string]any{"status": a.Status, "last_error": a.LastError, "attempts": gorm.Expr("attempts + 1")}
	if !a.NextAttemptAt.IsZero() {
		updates["next_attempt_at"] = a.NextAttemptAt.UTC()
	}
	if !a.SentAt.IsZero() {
		updates["sent_at"] = a.SentAt.UTC()
	}
	if a.Status != DeliveryPending {
		updates["body"] = ""
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var d Delivery
		if err := tx.Select("id", "receiver").Where("id = ?", id).Take(&d).Error; err != nil {
			return err
		}
		if err := tx.Model(&Delivery{ID: id}).Updates(updates).Error; err != nil {
			return err
		}
		claimed := tx.Model(&OutboxEntry{}).Where("delivery_id = ?", id)
		switch a.Status {
		case DeliverySent:
			if err := tx.Where("delivery_id = ?", id).Delete(&OutboxEntry{}).Error; err != nil {
				return fmt.Errorf("deleting the delivered outbox entries: %w", err)
			}
			if err := writeNotifyLogs(tx, id, a.Logs); err != nil {
				return err
			}
		case DeliveryFailed:
			err := claimed.Updates(map[string]any{"delivery_id": nil, "returned": gorm.Expr("returned + 1")}).Error
			if err != nil {
				return fmt.Errorf("giving back the outbox entries: %w", err)
			}
		}
		return recordReceiverHealth(tx, d.Receiver, a)
	})
	if err != nil {
		return fmt.Errorf("store: recording an attempt at delivery %d: %w", id, err)
	}
	return nil
}

// writeNotifyLogs writes the notify log rows of delivery id in the caller's transaction.
func writeNotifyLogs(tx *gorm.DB, id uint, logs []NotifyLog) error {
	if len(logs) == 0 {
		return nil
	}
	for i := range logs {
		logs[i].DeliveryID = id
	}
	err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "fingerprint"}, {Name: "receiver"}},
		DoUpdates: clause.AssignmentColumns([]string{"state", "severity", "notified_at", "delivery_id"}),
	}).CreateInBatches(logs, 200).Error
	if err != nil {
		return fmt.Errorf("writing the notify log: %w", err)
	}
	return nil
}

// recordReceiverHealth records an attempt's outcome in its receiver's health: an
// accepted message ends a failure, a failed attempt starts one or continues it.
func recordReceiverHealth(tx *gorm.DB, receiver string, a Attempt) error {
	row := NotifyReceiver{Receiver: receiver}
	set := clause.Assignments(map[string]any{"failing_since": nil})
	if a.Status == DeliverySent {
		at := a.SentAt.UTC()
		row.LastAcceptedAt = &at
		set = append(set, clause.Assignment{Column: clause.Column{Name: "last_accepted_at"}, Value: at})
	} else {
		at := a.At.UTC()
		row.FailingSince, row.LastFailedAt, row.LastError = &at, &at, a.LastError
		set = clause.Assignments(map[string]any{
			"failing_since":  gorm.Expr("COALESCE(notify_receivers.failing_since, ?)", at),
			"last_failed_at": at, "last_error": a.LastError,
		})
	}
	err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "receiver"}}, DoUpdates: set}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("recording the health of receiver %s: %w", receiver, err)
	}
	return nil
}

// DeliveryEntries lists the outbox entries delivery id claimed, in the order they
// were written.
func (s *Store) DeliveryEntries(ctx context.Context, id uint) ([]OutboxEntry, error) {
	var out []OutboxEntry
	if err := s.db.WithContext(ctx).Where("delivery_id = ?", id).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: reading the outbox entries of delivery %d: %w", id, err)
	}
	return out, nil
}

// ReceiverHealth is a receiver's delivery health and how many findings wait for it.
type ReceiverHealth struct {
	NotifyReceiver
	// Waiting counts the findings with an outbox entry routed to the receiver: queued,
	// in flight or given back by a failed message.
	Waiting int
}

// ReceiverHealths lists the health of every receiver that was ever attempted, by name.
func (s *Store) ReceiverHealths(ctx context.Context) ([]ReceiverHealth, error) {
	var rows []NotifyReceiver
	if err := s.db.WithContext(ctx).Order("receiver").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: reading receiver health: %w", err)
	}
	var counts []struct {
		Receiver string
		N        int
	}
	err := s.db.WithContext(ctx).Model(&OutboxEntry{}).Select("receiver, COUNT(DISTINCT finding_id) AS n").
		Where("receiver <> ''").Group("receiver").Scan(&counts).Error
	if err != nil {
		return nil, fmt.Errorf("store: counting waiting alerts: %w", err)
	}
	waiting := make(map[string]int, len(counts))
	for _, c := range counts {
		waiting[c.Receiver] = c.N
	}
	out := make([]ReceiverHealth, len(rows))
	for i, r := range rows {
		out[i] = ReceiverHealth{NotifyReceiver: r, Waiting: waiting[r.Receiver]}
	}
	return out, nil
}

// DeliveryFilter selects receipts; empty fields match everything.
type DeliveryFilter struct {
	Receiver string
	Status   string
	// Limit bounds the list (100 when not positive).
	Limit int
}

// Deliveries lists deliveries, newest first, without their bodies.
func (s *Store) Deliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error) {
	q := s.db.WithContext(ctx).Omit("body")
	if f.Receiver != "" {
		q = q.Where("receiver = ?", f.Receiver)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	var out []Delivery
	if err := q.Order("created_at DESC, id DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("store: listing deliveries: %w", err)
	}
	return out, nil
}

// FindingsByID returns the findings with the given ids and their customers' names,
// by id. Ids of findings that no longer exist are missing from the map.
func (s *Store) FindingsByID(ctx context.Context, ids []uint) (map[uint]FindingView, error) {
	out := make(map[uint]FindingView, len(ids))
	for part := range slices.Chunk(ids, maxPruneBatch) {
		var rows []FindingView
		err := s.db.WithContext(ctx).Table("findings").
			Select("findings.*, COALESCE(customers.name, '') AS customer_name").
			Joins("LEFT JOIN customers ON customers.id = findings.customer_id").
			Where("findings.id IN ?", part).Order("findings.id").Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("store: reading %d findings: %w", len(part), err)
		}
		for _, r := range rows {
			out[r.ID] = r
		}
	}
	return out, nil
}
