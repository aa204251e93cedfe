package notify

import (
	"context"
	"time"

	"github.com/custos-msp/custos/store"
)

// Outbox is where notify keeps its work and its memory, as rows: the outbox entries
// the finding lifecycle writes, the notify log (what each receiver was last told),
// when each group was last flushed, and the deliveries with their receipts. notify
// makes every decision about them: what is routed, what is news, what is due, when to
// retry and what counts as notified (only what a receiver accepted). An Outbox only reads and writes rows, each call
// in one transaction. store.Store implements it.
type Outbox interface {
	// Outbox lists the outbox entries in the order they were written, unrouted ones
	// (Receiver empty) included.
	Outbox(ctx context.Context) ([]store.OutboxEntry, error)
	// RouteOutbox replaces the unrouted entries with the given ids by routed, and
	// sets routed's ids.
	RouteOutbox(ctx context.Context, unrouted []uint, routed []store.OutboxEntry) error
	// AddOutbox adds routed entries and sets their ids.
	AddOutbox(ctx context.Context, entries []store.OutboxEntry) error
	// DropOutbox deletes outbox entries by id.
	DropOutbox(ctx context.Context, ids []uint) error
	// NotifyLogs lists the notify log's rows.
	NotifyLogs(ctx context.Context) ([]store.NotifyLog, error)
	// GroupFlushes returns when each group was last flushed, by group key.
	GroupFlushes(ctx context.Context) (map[string]time.Time, error)
	// EnqueueDelivery stores the delivery, claims the entries it carries and writes
	// its group's flush; a delivery whose idempotency key is stored already is
	// returned instead of stored again.
	EnqueueDelivery(ctx context.Context, e store.Enqueue) (store.Delivery, error)
	// PendingDeliveries lists pending deliveries whose next attempt is at or before
	// until, by next attempt, at most limit.
	PendingDeliveries(ctx context.Context, until time.Time, limit int) ([]store.Delivery, error)
	// DeliveryEntries lists the entries a delivery claimed, in write order.
	DeliveryEntries(ctx context.Context, id uint) ([]store.OutboxEntry, error)
	// RecordAttempt counts an attempt at a delivery and records its outcome and the
	// receiver's health: when sent, its entries are deleted and its notify log rows
	// written; when failed for good, its entries are given back to the outbox.
	RecordAttempt(ctx context.Context, id uint, a store.Attempt) error
	// ReceiverHealths lists each receiver's delivery health and waiting findings.
	ReceiverHealths(ctx context.Context) ([]store.ReceiverHealth, error)
}

// Findings reads the findings that outbox entries tell of.
type Findings interface {
	// Findings lists the findings the filter selects.
	Findings(ctx context.Context, f store.FindingFilter) ([]store.FindingView, error)
	// FindingsByID returns the findings with the given ids that still exist, by id.
	FindingsByID(ctx context.Context, ids []uint) (map[uint]store.FindingView, error)
}

// Store is what the pipeline reads and writes; store.Store implements it.
type Store interface {
	Outbox
	Findings
}

var _ Store = (*store.Store)(nil)
