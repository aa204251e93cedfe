package notify

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/custos-msp/custos/store"
)

// stage is one step of a notify pass, with one job. It reads what the stages before
// it left in the batch and adds what it decides; only the last stage (queue, or
// preview in a dry run) writes anything.
type stage interface {
	exec(ctx context.Context, b *batch) error
}

// multiStage runs its stages in order, stopping at the first error.
type multiStage []stage

func (ms multiStage) exec(ctx context.Context, b *batch) error {
	for _, s := range ms {
		if err := s.exec(ctx, b); err != nil {
			return err
		}
	}
	return nil
}

// batch is what one pass works on: what was read at its start, and what each stage
// made of it.
type batch struct {
	now time.Time
	// entries is the whole outbox, unrouted entries included, in write order.
	entries []store.OutboxEntry
	// open are the open findings; findings holds them and every finding an entry
	// tells of, by id.
	open     []store.FindingView
	findings map[uint]store.FindingView
	log      nflog
	// flushes says when each group was last flushed.
	flushes map[string]time.Time

	// inflight are the entries a queued message carries: they wait for its outcome
	// and are not routed, repeated or queued again meanwhile.
	inflight []*store.OutboxEntry
	// unrouted are the ids of the entries that routing replaces by fresh: unrouted
	// ones, and ones routed to a receiver no longer configured.
	unrouted []uint
	// fresh are the routed entries made by routing, repeats those made by repeat.
	fresh, repeats []store.OutboxEntry
	// routed are the routed entries: the outbox's, then fresh, then repeats.
	routed []*store.OutboxEntry
	// kept are the entries dedup found news, per receiver and finding; dropped
	// those that need no message.
	kept    []pending
	dropped []*store.OutboxEntry
	groups  []*group

	res Result
}

// pending is one finding for one receiver: its outbox entries, the newest last.
type pending struct {
	entries []*store.OutboxEntry
	finding store.FindingView
}

// newest is the entry that says what the receiver is to be told.
func (pd pending) newest() *store.OutboxEntry { return pd.entries[len(pd.entries)-1] }

// group is the alerts of one customer on one route for one receiver, or all of a
// digest receiver's alerts.
type group struct {
	key      string
	receiver string
	route    int
	digest   bool
	items    []pending
	// held says why the group waits; empty when it is due.
	held string
}

// routeStage turns each unrouted entry into one routed entry per receiver its
// finding's routes name; an entry routed to a receiver that is no longer configured
// is routed again the same way. An entry whose finding no longer exists is routed
// nowhere; one that no route sends to a configured receiver stays as it is, waiting,
// and is counted in the result with the reason. Entries in flight are set aside.
type routeStage struct {
	router    router
	receivers map[string]Receiver
}

func (s routeStage) exec(_ context.Context, b *batch) error {
	var waiting waitingAlerts
	for i, e := range b.entries {
		if e.DeliveryID != nil {
			b.inflight = append(b.inflight, &b.entries[i])
			continue
		}
		if e.Receiver != "" && s.receivers[e.Receiver] != nil {
			b.routed = append(b.routed, &b.entries[i])
			continue
		}
		f, ok := b.findings[e.FindingID]
		if !ok {
			b.unrouted = append(b.unrouted, e.ID)
			continue
		}
		targets := s.configured(s.router.targets(f.Rule, e.Severity, f.CustomerName))
		if len(targets) == 0 {
			waiting.add(s.whyWaiting(e), f)
			continue
		}
		b.unrouted = append(b.unrouted, e.ID)
		for _, t := range targets {
			r := e
			r.Receiver, r.Route = t.receiver, t.route
			b.fresh = append(b.fresh, r)
		}
	}
	for i := range b.fresh {
		b.routed = append(b.routed, &b.fresh[i])
	}
	b.res.Routed = len(b.fresh)
	b.res.Waiting = waiting.list()
	return nil
}

// configured keeps the targets whose receiver is configured.
func (s routeStage) configured(targets []target) []target {
	return slices.DeleteFunc(targets, func(t target) bool { return s.receivers[t.receiver] == nil })
}

// whyWaiting says why no receiver takes e.
func (s routeStage) whyWaiting(e store.OutboxEntry) string {
	switch {
	case len(s.receivers) == 0:
		return "no receiver is configured (notify.receivers)"
	case e.Receiver != "":
		return "receiver " + e.Receiver + " is no longer configured and no route sends them elsewhere"
	case len(s.router.routes) == 0:
		return "no route is configured (notify.routes)"
	}
	return "no route (notify.routes) matches them"
}

// repeatStage adds a repeat entry for each receiver that was told a finding is firing
// longer ago than its route's repeat interval, unless an entry for it is waiting or
// in flight.
type repeatStage struct{ router router }

func (s repeatStage) exec(_ context.Context, b *batch) error {
	waiting := map[nflogKey]bool{}
	for _, e := range slices.Concat(b.routed, b.inflight) {
		waiting[nflogKey{e.Receiver, e.Fingerprint}] = true
	}
	for _, f := range b.open {
		for _, t := range s.router.targets(f.Rule, f.Severity, f.CustomerName) {
			l, firing := b.log.firing(t.receiver, f.Fingerprint)
			every := s.router.routes[t.route].RepeatInterval
			if !firing || every <= 0 || b.now.Before(l.NotifiedAt.Add(every)) || waiting[nflogKey{t.receiver, f.Fingerprint}] {
				continue
			}
			b.repeats = append(b.repeats, store.OutboxEntry{
				FindingID: f.ID, Fingerprint: f.Fingerprint, Event: store.EventRepeat, Severity: f.Severity,
				Receiver: t.receiver, Route: t.route, CreatedAt: l.NotifiedAt.Add(every),
			})
		}
	}
	for i := range b.repeats {
		b.routed = append(b.routed, &b.repeats[i])
	}
	b.res.Repeats = len(b.repeats)
	return nil
}

// dedupStage keeps, per receiver and finding, the newest entry when it is news
// against the notify log and the messages in flight, standing for all of them; every
// other entry, and every entry for a finding that no longer exists, is dropped.
type dedupStage struct {
	routes []Route
}

func (s dedupStage) exec(_ context.Context, b *batch) error {
	byPair := map[nflogKey]*pending{}
	var order []nflogKey
	for _, e := range b.routed {
		k := nflogKey{e.Receiver, e.Fingerprint}
		pd, ok := byPair[k]
		if !ok {
			pd = &pending{}
			byPair[k] = pd
			order = append(order, k)
		}
		pd.entries = append(pd.entries, e)
		pd.finding = b.findings[e.FindingID]
	}
	told := b.log.telling(b.inflight)
	for _, k := range order {
		pd := byPair[k]
		_, known := b.findings[pd.newest().FindingID]
		if !known || !s.news(*pd, told, b.now) {
			b.dropped = append(b.dropped, pd.entries...)
			continue
		}
		b.kept = append(b.kept, *pd)
	}
	b.res.Dropped = len(b.dropped)
	return nil
}

// news decides whether an entry is worth a message, given what the receiver was last
// told about the finding.
func (s dedupStage) news(pd pending, log nflog, now time.Time) bool {
	e, f := pd.newest(), pd.finding
	l, firing := log.firing(e.Receiver, e.Fingerprint)
	if e.Event == store.EventResolved {
		return firing && e.Route < len(s.routes) && s.routes[e.Route].SendResolved
	}
	if f.Status == store.StatusSuppressed || f.Status == store.StatusResolved {
		return false
	}
	switch e.Event {
	case store.EventEscalated:
		return !firing || e.Severity.Above(l.Severity)
	case store.EventRepeat:
		return f.Status == store.StatusOpen && firing && e.Route < len(s.routes) &&
			!now.Before(l.NotifiedAt.Add(s.routes[e.Route].RepeatInterval))
	default: // opened, reopened
		return !firing || l.NotifiedAt.Before(e.CreatedAt)
	}
}

// groupStage groups the kept entries per receiver, route and customer, or per
// receiver for a digest receiver, in the order each group first appears.
type groupStage struct{ digests map[string]Digest }

func (s groupStage) exec(_ context.Context, b *batch) error {
	byKey := map[string]*group{}
	for _, pd := range b.kept {
		e := pd.newest()
		_, digest := s.digests[e.Receiver]
		key := "digest:" + e.Receiver
		if !digest {
			customer := uint(0)
			if pd.finding.CustomerID != nil {
				customer = *pd.finding.CustomerID
			}
			key = fmt.Sprintf("%s:%d:%d", e.Receiver, e.Route, customer)
		}
		g, ok := byKey[key]
		if !ok {
			g = &group{key: key, receiver: e.Receiver, route: e.Route, digest: digest}
			byKey[key] = g
			b.groups = append(b.groups, g)
		}
		g.items = append(g.items, pd)
	}
	return nil
}

// holdStage holds each group that is not due yet, saying why: a digest until its
// time; otherwise quiet hours, business hours, the group wait after its oldest entry
// and the group interval after its last message.
type holdStage struct {
	routes   []Route
	digests  map[string]Digest
	location *time.Location
	business Hours
}

func (s holdStage) exec(_ context.Context, b *batch) error {
	for _, g := range b.groups {
		if g.held = s.why(g, b.flushes, b.now); g.held != "" {
			b.res.Held++
		}
	}
	return nil
}

// why says why g is not due at now, or "" when it is.
func (s holdStage) why(g *group, flushes map[string]time.Time, now time.Time) string {
	oldest := g.items[0].newest().CreatedAt
	for _, pd := range g.items {
		if pd.newest().CreatedAt.Before(oldest) {
			oldest = pd.newest().CreatedAt
		}
	}
	local := now.In(s.location)
	if g.digest {
		if next := s.digests[g.receiver].next(oldest, s.location); now.Before(next) {
			return "digest due " + next.Format(time.RFC3339)
		}
		return ""
	}
	r := s.routes[g.route]
	switch {
	case r.Quiet.Contains(local):
		return "quiet hours"
	case r.BusinessHoursOnly && !s.business.contains(local):
		return "outside business hours"
	case now.Before(oldest.Add(r.GroupWait)):
		return "group wait until " + oldest.Add(r.GroupWait).Format(time.RFC3339)
	}
	if last, ok := flushes[g.key]; ok && now.Before(last.Add(r.GroupInterval)) {
		return "group interval until " + last.Add(r.GroupInterval).Format(time.RFC3339)
	}
	return ""
}
