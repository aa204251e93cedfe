package notify

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/custos-msp/custos/store"
)

// bodyField is the associated data a delivery's body is sealed with, so a sealed
// body cannot be passed off as another field.
var bodyField = []byte("deliveries.body")

// queueStage is the last stage of a run: it writes what the stages before it decided
// (the routed entries replacing the unrouted ones, the repeats, the dropped entries)
// and queues a delivery for each group that is due, claiming the group's entries.
type queueStage struct {
	queuer queuer
	link   string
}

func (s queueStage) exec(ctx context.Context, b *batch) error {
	if len(b.unrouted) > 0 {
		if err := s.queuer.outbox.RouteOutbox(ctx, b.unrouted, b.fresh); err != nil {
			return err
		}
	}
	if err := s.queuer.outbox.AddOutbox(ctx, b.repeats); err != nil {
		return err
	}
	if len(b.dropped) > 0 {
		if err := s.queuer.outbox.DropOutbox(ctx, ids(b.dropped)); err != nil {
			return err
		}
	}
	return b.plan(s.link, func(g *group, m Message) error {
		var e store.Enqueue
		for _, pd := range g.items {
			e.Claimed = append(e.Claimed, ids(pd.entries)...)
		}
		_, err := s.queuer.queue(ctx, g.receiver, g.key, m, e, b.now)
		return err
	})
}

// previewStage is the last stage of a dry run: it lists what a run would queue now
// and what it holds, and changes nothing.
type previewStage struct{ link string }

func (s previewStage) exec(_ context.Context, b *batch) error {
	return b.plan(s.link, func(*group, Message) error { return nil })
}

// plan renders each group's message and lists it in the result: a held group with
// the reason, a due one once queue has taken it.
func (b *batch) plan(link string, queue func(*group, Message) error) error {
	for _, g := range b.groups {
		m := g.message(link, b.now)
		if g.held != "" {
			b.res.Planned = append(b.res.Planned, Planned{Receiver: g.receiver, Message: m, Held: g.held})
			continue
		}
		if err := queue(g, m); err != nil {
			return err
		}
		b.res.Enqueued++
		b.res.Planned = append(b.res.Planned, Planned{Receiver: g.receiver, Message: m})
	}
	return nil
}

// ids are the entries' ids.
func ids(entries []*store.OutboxEntry) []uint {
	out := make([]uint, 0, len(entries))
	for _, e := range entries {
		out = append(out, e.ID)
	}
	return out
}

// message renders a group: its items most severe first, a title, and a key made of
// the receiver and the outbox entries it tells of (with how often each came back).
func (g *group) message(link string, now time.Time) Message {
	m := Message{Kind: KindAlert, Link: link, CreatedAt: now}
	if g.digest {
		m.Kind = KindDigest
	}
	var keyIDs []string
	customers := map[string]bool{}
	for _, pd := range g.items {
		f, e := pd.finding, pd.newest()
		m.Items = append(m.Items, Item{
			FindingID: f.ID, Event: e.Event, Rule: f.Rule, Severity: e.Severity,
			Customer: f.CustomerName, Summary: f.Summary, FirstSeen: f.FirstSeen,
		})
		customers[f.CustomerName] = true
		for _, e := range pd.entries {
			// An entry given back by a failed message goes out in a new message: its
			// key counts the returns.
			keyIDs = append(keyIDs, strconv.FormatUint(uint64(e.ID), 10)+"."+strconv.Itoa(e.Returned))
		}
	}
	slices.SortStableFunc(m.Items, func(a, b Item) int {
		return cmp.Or(b.Severity.Rank()-a.Severity.Rank(), strings.Compare(a.Summary, b.Summary))
	})
	if len(customers) == 1 {
		m.Customer = m.Items[0].Customer
	}
	m.Title = title(m)
	sum := sha256.Sum256([]byte(g.receiver + "|" + strings.Join(keyIDs, ",")))
	m.Key = "custos-" + hex.EncodeToString(sum[:12])
	return m
}

// title is a message's subject line.
func title(m Message) string {
	n := len(m.Items)
	who := ""
	if m.Customer != "" {
		who = " for " + m.Customer
	}
	switch {
	case m.Kind == KindDigest:
		return fmt.Sprintf("Custos digest: %d finding%s", n, plural(n))
	case n == 1:
		it := m.Items[0]
		return fmt.Sprintf("Custos [%s] %s%s: %s", strings.ToUpper(string(it.Severity)), EventWord(it.Event), who, it.Summary)
	default:
		return fmt.Sprintf("Custos: %d findings%s, most severe %s", n, who, m.Items[0].Severity)
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// queuer seals messages and stores them as pending deliveries.
type queuer struct {
	outbox Outbox
	// sealer seals message bodies at rest; without one nothing can be queued.
	sealer store.Sealer
}

// queue seals m and stores it for receiver as a delivery due at now, with what e
// consumes and logs, under m's key as the idempotency key.
func (q queuer) queue(ctx context.Context, receiver, groupKey string, m Message, e store.Enqueue, now time.Time) (store.Delivery, error) {
	if q.sealer == nil {
		return store.Delivery{}, fmt.Errorf("notify: queueing %s for %s: no sealing key is configured (seal.key)", m.Key, receiver)
	}
	body, err := json.Marshal(m)
	if err != nil {
		return store.Delivery{}, fmt.Errorf("notify: encoding message %s: %w", m.Key, err)
	}
	sealed, err := q.sealer.Seal(body, bodyField)
	if err != nil {
		return store.Delivery{}, fmt.Errorf("notify: sealing message %s: %w", m.Key, err)
	}
	e.Delivery = store.Delivery{
		Receiver: receiver, Kind: m.Kind, GroupKey: groupKey, IdempotencyKey: m.Key, Findings: len(m.Items),
		Body: sealed, Status: store.DeliveryPending, NextAttemptAt: now, CreatedAt: now,
	}
	return q.outbox.EnqueueDelivery(ctx, e)
}
