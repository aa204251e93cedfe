package notify

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/secret"
	"github.com/custos-msp/custos/store"
)

// bodyField is the associated data a delivery's body is sealed with, so a sealed
// body cannot be passed off as another field.
var bodyField = []byte("deliveries.body")

// Pipeline turns the outbox into delivered messages. Run is one pass of every stage.
type Pipeline struct {
	Store *store.Store
	// Sealer seals message bodies at rest; required to queue anything.
	Sealer    store.Sealer
	Receivers map[string]Receiver
	// Digests lists the receivers that send digests, by name.
	Digests       map[string]Digest
	Routes        []Route
	Location      *time.Location
	BusinessHours Hours
	// MaxAttempts bounds the attempts at one message; MinRetryWait doubles after each
	// failure up to MaxRetryWait. Timeout bounds one attempt.
	MaxAttempts                int
	MinRetryWait, MaxRetryWait time.Duration
	Timeout                    time.Duration
	// Link is where messages point for the full list of findings.
	Link     string
	Now      func() time.Time
	Log      zerolog.Logger
	Redactor *secret.Redactor
}

// Result counts what a pass did.
type Result struct {
	// Routed counts outbox entries routed to a receiver; Repeats the repeats added.
	Routed, Repeats int
	// Dropped counts routed entries that needed no message (de-duplicated).
	Dropped int
	// Held counts groups that are not due yet; Enqueued the messages queued.
	Held, Enqueued int
	// Sent, Retrying and Failed count delivery attempts by outcome.
	Sent, Retrying, Failed int
	// Planned lists the messages queued (or, in a dry run, that would be) and the
	// groups held with the reason.
	Planned []Planned
}

// Planned is one message the pipeline queued or would queue, or a group it holds.
type Planned struct {
	Receiver string
	Message  Message
	// Held says why the group waits; empty when the message is queued.
	Held string
}

// Run routes new outbox entries, adds repeats, de-duplicates, groups, queues what is
// due and delivers every queued message whose attempt is due.
func (p *Pipeline) Run(ctx context.Context) (Result, error) {
	res, err := p.plan(ctx, false)
	if err != nil {
		return res, err
	}
	err = p.deliver(ctx, &res)
	return res, err
}

// DryRun says what Run would queue now, writing nothing and sending nothing.
func (p *Pipeline) DryRun(ctx context.Context) (Result, error) {
	return p.plan(ctx, true)
}

// pending is the newest outbox entry of one finding for one receiver, with the
// entries it stands for.
type pending struct {
	entry    store.OutboxEntry
	finding  store.FindingView
	consumed []uint
}

func (p *Pipeline) plan(ctx context.Context, dry bool) (Result, error) {
	var res Result
	now := p.Now().UTC()
	entries, err := p.Store.Outbox(ctx)
	if err != nil {
		return res, err
	}
	open, err := p.Store.Findings(ctx, store.FindingFilter{Status: store.StatusOpen})
	if err != nil {
		return res, err
	}
	findings, err := p.findings(ctx, entries, open)
	if err != nil {
		return res, err
	}
	routes := routeStage{routes: p.Routes}

	// Route: each unrouted entry becomes one entry per receiver.
	var unrouted []uint
	var routed, fresh []store.OutboxEntry
	for _, e := range entries {
		if e.Receiver != "" {
			routed = append(routed, e)
			continue
		}
		unrouted = append(unrouted, e.ID)
		f, ok := findings[e.FindingID]
		if !ok {
			continue
		}
		for _, t := range routes.targets(f.Rule, e.Severity, f.CustomerName) {
			r := e
			r.Receiver, r.Route = t.receiver, t.route
			fresh = append(fresh, r)
		}
	}
	res.Routed = len(fresh)

	// Repeat: a finding still open after its route's repeat interval is due again.
	logs, err := p.Store.NotifyLogs(ctx)
	if err != nil {
		return res, err
	}
	queued := map[[2]string]bool{}
	for _, e := range slices.Concat(routed, fresh) {
		queued[[2]string{e.Receiver, e.Fingerprint}] = true
	}
	var repeats []store.OutboxEntry
	for _, f := range open {
		for _, t := range routes.targets(f.Rule, f.Severity, f.CustomerName) {
			l, ok := logs[t.receiver][f.Fingerprint]
			every := p.Routes[t.route].RepeatInterval
			if !ok || l.State != store.LogFiring || every <= 0 || now.Before(l.NotifiedAt.Add(every)) ||
				queued[[2]string{t.receiver, f.Fingerprint}] {
				continue
			}
			repeats = append(repeats, store.OutboxEntry{
				FindingID: f.ID, Fingerprint: f.Fingerprint, Event: store.EventRepeat, Severity: f.Severity,
				Receiver: t.receiver, Route: t.route, CreatedAt: l.NotifiedAt.Add(every),
			})
		}
	}
	res.Repeats = len(repeats)

	if dry {
		routed = slices.Concat(routed, fresh, repeats)
	} else {
		if len(unrouted) > 0 {
			if err := p.Store.RouteOutbox(ctx, unrouted, fresh); err != nil {
				return res, err
			}
		}
		if err := p.Store.AddOutbox(ctx, repeats); err != nil {
			return res, err
		}
		all, err := p.Store.Outbox(ctx)
		if err != nil {
			return res, err
		}
		routed = slices.DeleteFunc(all, func(e store.OutboxEntry) bool { return e.Receiver == "" })
	}

	// De-duplicate against the notify log; what needs no message is dropped.
	keep, drop := p.dedup(routed, findings, logs, now)
	res.Dropped = len(drop)
	if !dry && len(drop) > 0 {
		if err := p.Store.DropOutbox(ctx, drop); err != nil {
			return res, err
		}
	}

	// Group, time and queue.
	flushes, err := p.Store.GroupFlushes(ctx)
	if err != nil {
		return res, err
	}
	for _, g := range p.group(keep) {
		if why := p.hold(g, flushes, now); why != "" {
			res.Held++
			res.Planned = append(res.Planned, Planned{Receiver: g.receiver, Message: p.message(g, now), Held: why})
			continue
		}
		m := p.message(g, now)
		if !dry {
			if err := p.enqueue(ctx, g, m, now); err != nil {
				return res, err
			}
		}
		res.Enqueued++
		res.Planned = append(res.Planned, Planned{Receiver: g.receiver, Message: m})
	}
	return res, nil
}

// findings loads the findings the entries refer to, and the open ones.
func (p *Pipeline) findings(ctx context.Context, entries []store.OutboxEntry, open []store.FindingView) (map[uint]store.FindingView, error) {
	ids := make([]uint, 0, len(entries))
	for _, e := range entries {
		ids = append(ids, e.FindingID)
	}
	slices.Sort(ids)
	byID, err := p.Store.FindingsByID(ctx, slices.Compact(ids))
	if err != nil {
		return nil, err
	}
	for _, f := range open {
		byID[f.ID] = f
	}
	return byID, nil
}

// dedup keeps, per receiver and finding, the newest entry when it is news against
// the notify log; it returns the ids of the entries to drop.
func (p *Pipeline) dedup(routed []store.OutboxEntry, findings map[uint]store.FindingView, logs map[string]map[string]store.NotifyLog, now time.Time) ([]pending, []uint) {
	byPair := map[[2]string]*pending{}
	var order [][2]string
	for _, e := range routed {
		k := [2]string{e.Receiver, e.Fingerprint}
		pd, ok := byPair[k]
		if !ok {
			pd = &pending{}
			byPair[k] = pd
			order = append(order, k)
		}
		pd.entry, pd.finding = e, findings[e.FindingID]
		pd.consumed = append(pd.consumed, e.ID)
	}
	var keep []pending
	var drop []uint
	for _, k := range order {
		pd := byPair[k]
		_, known := findings[pd.entry.FindingID]
		l, logged := logs[k[0]][k[1]]
		if !known || p.Receivers[k[0]] == nil || !p.news(pd, l, logged, now) {
			drop = append(drop, pd.consumed...)
			continue
		}
		keep = append(keep, *pd)
	}
	return keep, drop
}

// news decides whether an entry is worth a message, given what the receiver was last
// told about the finding.
func (p *Pipeline) news(pd *pending, l store.NotifyLog, logged bool, now time.Time) bool {
	e, f := pd.entry, pd.finding
	firing := logged && l.State == store.LogFiring
	if e.Event == store.EventResolved {
		return firing && e.Route < len(p.Routes) && p.Routes[e.Route].SendResolved
	}
	if f.Status == store.StatusSuppressed || f.Status == store.StatusResolved {
		return false
	}
	switch e.Event {
	case store.EventEscalated:
		return !firing || e.Severity.Above(l.Severity)
	case store.EventRepeat:
		return f.Status == store.StatusOpen && firing && e.Route < len(p.Routes) &&
			!now.Before(l.NotifiedAt.Add(p.Routes[e.Route].RepeatInterval))
	default: // opened, reopened
		return !firing || l.NotifiedAt.Before(e.CreatedAt)
	}
}

// group is the alerts of one customer on one route for one receiver, or all of a
// digest receiver's alerts.
type group struct {
	key      string
	receiver string
	route    int
	digest   bool
	items    []pending
}

func (p *Pipeline) group(keep []pending) []*group {
	byKey := map[string]*group{}
	var out []*group
	for _, pd := range keep {
		_, digest := p.Digests[pd.entry.Receiver]
		key := "digest:" + pd.entry.Receiver
		if !digest {
			customer := uint(0)
			if pd.finding.CustomerID != nil {
				customer = *pd.finding.CustomerID
			}
			key = fmt.Sprintf("%s:%d:%d", pd.entry.Receiver, pd.entry.Route, customer)
		}
		g, ok := byKey[key]
		if !ok {
			g = &group{key: key, receiver: pd.entry.Receiver, route: pd.entry.Route, digest: digest}
			byKey[key] = g
			out = append(out, g)
		}
		g.items = append(g.items, pd)
	}
	return out
}

// hold says why a group is not due at now, or "" when it is.
func (p *Pipeline) hold(g *group, flushes map[string]time.Time, now time.Time) string {
	oldest := g.items[0].entry.CreatedAt
	for _, pd := range g.items {
		if pd.entry.CreatedAt.Before(oldest) {
			oldest = pd.entry.CreatedAt
		}
	}
	local := now.In(p.Location)
	if g.digest {
		if next := p.Digests[g.receiver].next(oldest, p.Location); now.Before(next) {
			return "digest due " + next.Format(time.RFC3339)
		}
		return ""
	}
	r := p.Routes[g.route]
	switch {
	case r.Quiet.Contains(local):
		return "quiet hours"
	case r.BusinessHoursOnly && !p.BusinessHours.contains(local):
		return "outside business hours"
	case now.Before(oldest.Add(r.GroupWait)):
		return "group wait until " + oldest.Add(r.GroupWait).Format(time.RFC3339)
	}
	if last, ok := flushes[g.key]; ok && now.Before(last.Add(r.GroupInterval)) {
		return "group interval until " + last.Add(r.GroupInterval).Format(time.RFC3339)
	}
	return ""
}

// message renders a group: its items most severe first, a title and the key.
func (p *Pipeline) message(g *group, now time.Time) Message {
	m := Message{Kind: KindAlert, Link: p.Link, CreatedAt: now}
	if g.digest {
		m.Kind = KindDigest
	}
	var ids []string
	customers := map[string]bool{}
	for _, pd := range g.items {
		f := pd.finding
		m.Items = append(m.Items, Item{
			FindingID: f.ID, Event: pd.entry.Event, Rule: f.Rule, Severity: pd.entry.Severity,
			Customer: f.CustomerName, Summary: f.Summary, FirstSeen: f.FirstSeen,
		})
		customers[f.CustomerName] = true
		for _, id := range pd.consumed {
			ids = append(ids, strconv.FormatUint(uint64(id), 10))
		}
	}
	slices.SortStableFunc(m.Items, func(a, b Item) int {
		return cmp.Or(b.Severity.Rank()-a.Severity.Rank(), strings.Compare(a.Summary, b.Summary))
	})
	if len(customers) == 1 {
		m.Customer = m.Items[0].Customer
	}
	m.Title = title(m)
	sum := sha256.Sum256([]byte(g.receiver + "|" + strings.Join(ids, ",")))
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

// enqueue seals a group's message and queues it, consuming its outbox entries and
// writing the notify log, in one transaction.
func (p *Pipeline) enqueue(ctx context.Context, g *group, m Message, now time.Time) error {
	kind := KindAlert
	if g.digest {
		kind = KindDigest
	}
	e := store.Enqueue{}
	for _, pd := range g.items {
		state := store.LogFiring
		if pd.entry.Event == store.EventResolved {
			state = store.LogResolved
		}
		e.Consumed = append(e.Consumed, pd.consumed...)
		e.Logs = append(e.Logs, store.NotifyLog{
			Fingerprint: pd.entry.Fingerprint, Receiver: g.receiver, State: state, Severity: pd.entry.Severity, NotifiedAt: now,
		})
	}
	_, err := p.queue(ctx, g.receiver, kind, g.key, m, e, now)
	return err
}

// Enqueue queues a prepared message (a report) for receiver, sealed, to be sent by
// the next delivery pass (Deliver or Run) with the same retries as alerts. A message
// without a key gets a random one; a message whose key is already queued or sent is
// not queued again. A message with To, or a report, is refused unless the receiver
// is Addressable (an e-mail receiver).
func (p *Pipeline) Enqueue(ctx context.Context, receiver string, m Message) (store.Delivery, error) {
	r := p.Receivers[receiver]
	if r == nil {
		return store.Delivery{}, fmt.Errorf("notify: no receiver is named %q", receiver)
	}
	if err := CheckAddressable(r, m); err != nil {
		return store.Delivery{}, err
	}
	now := p.Now().UTC()
	if m.Key == "" {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		m.Key = "custos-" + hex.EncodeToString(b)
	}
	if m.Kind == "" {
		m.Kind = KindMessage
	}
	m.CreatedAt = now
	return p.queue(ctx, receiver, m.Kind, "", m, store.Enqueue{}, now)
}

func (p *Pipeline) queue(ctx context.Context, receiver, kind, groupKey string, m Message, e store.Enqueue, now time.Time) (store.Delivery, error) {
	if p.Sealer == nil {
		return store.Delivery{}, fmt.Errorf("notify: queueing %s for %s: no sealing key is configured (seal.key)", m.Key, receiver)
	}
	body, err := json.Marshal(m)
	if err != nil {
		return store.Delivery{}, fmt.Errorf("notify: encoding message %s: %w", m.Key, err)
	}
	sealed, err := p.Sealer.Seal(body, bodyField)
	if err != nil {
		return store.Delivery{}, fmt.Errorf("notify: sealing message %s: %w", m.Key, err)
	}
	e.Delivery = store.Delivery{
		Receiver: receiver, Kind: kind, GroupKey: groupKey, IdempotencyKey: m.Key, Findings: len(m.Items),
		Body: sealed, Status: store.DeliveryPending, NextAttemptAt: now, CreatedAt: now,
	}
	return p.Store.EnqueueDelivery(ctx, e)
}
