package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/secret"
	"github.com/custos-msp/custos/store"
)

// Pipeline turns the outbox into delivered messages. Run is one pass of every stage.
type Pipeline struct {
	// Store holds the outbox, the notify log and the deliveries (a *store.Store).
	Store Store
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
	// Waiting lists the alerts no configured receiver takes, by reason; they stay
	// due until one does.
	Waiting []Waiting
	// Failing lists the configured receivers whose latest attempt failed, by name,
	// with how many findings wait for them.
	Failing []store.ReceiverHealth
}

// Planned is one message the pipeline queued or would queue, or a group it holds.
type Planned struct {
	Receiver string
	Message  Message
	// Held says why the group waits; empty when the message is queued.
	Held string
}

// Run routes new outbox entries, adds repeats, de-duplicates, groups, queues what is
// due and delivers every queued message whose attempt is due; the result says which
// receivers are failing after it.
func (p *Pipeline) Run(ctx context.Context) (Result, error) {
	res, err := p.pass(ctx, queueStage{queuer: p.queuer(), link: p.Link})
	if err != nil {
		return res, err
	}
	for _, w := range res.Waiting {
		p.Log.Warn().Int("findings", w.Findings).Msg("notify: " + w.String())
	}
	if err = p.deliver(ctx, &res); err != nil {
		return res, err
	}
	res.Failing, err = p.Failing(ctx)
	return res, err
}

// DryRun says what Run would queue now, writing nothing and sending nothing: the
// same stages, with preview instead of queue last.
func (p *Pipeline) DryRun(ctx context.Context) (Result, error) {
	res, err := p.pass(ctx, previewStage{link: p.Link})
	if err != nil {
		return res, err
	}
	res.Failing, err = p.Failing(ctx)
	return res, err
}

// Failing lists the configured receivers whose latest attempt failed.
func (p *Pipeline) Failing(ctx context.Context) ([]store.ReceiverHealth, error) {
	hs, err := p.Store.ReceiverHealths(ctx)
	return slices.DeleteFunc(hs, func(h store.ReceiverHealth) bool {
		return h.FailingSince == nil || p.Receivers[h.Receiver] == nil
	}), err
}

// pass reads the outbox and runs the stages on it: route, repeat, dedup, group, hold
// and then last.
func (p *Pipeline) pass(ctx context.Context, last stage) (Result, error) {
	b, err := p.read(ctx)
	if err != nil {
		return Result{}, err
	}
	r := router{routes: p.Routes}
	stages := multiStage{
		routeStage{router: r, receivers: p.Receivers},
		repeatStage{router: r},
		dedupStage{routes: p.Routes},
		groupStage{digests: p.Digests},
		holdStage{routes: p.Routes, digests: p.Digests, location: p.Location, business: p.BusinessHours},
		last,
	}
	err = stages.exec(ctx, b)
	return b.res, err
}

// read starts a pass: the outbox, the open findings and those the entries tell of,
// the notify log and the group flushes.
func (p *Pipeline) read(ctx context.Context) (*batch, error) {
	b := &batch{now: p.Now().UTC()}
	var err error
	if b.entries, err = p.Store.Outbox(ctx); err != nil {
		return nil, err
	}
	if b.open, err = p.Store.Findings(ctx, store.FindingFilter{Status: store.StatusOpen}); err != nil {
		return nil, err
	}
	ids := make([]uint, 0, len(b.entries))
	for _, e := range b.entries {
		ids = append(ids, e.FindingID)
	}
	slices.Sort(ids)
	if b.findings, err = p.Store.FindingsByID(ctx, slices.Compact(ids)); err != nil {
		return nil, err
	}
	for _, f := range b.open {
		b.findings[f.ID] = f
	}
	logs, err := p.Store.NotifyLogs(ctx)
	if err != nil {
		return nil, err
	}
	b.log = newNflog(logs)
	if b.flushes, err = p.Store.GroupFlushes(ctx); err != nil {
		return nil, err
	}
	return b, nil
}

func (p *Pipeline) queuer() queuer { return queuer{outbox: p.Store, sealer: p.Sealer} }

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
	return p.queuer().queue(ctx, receiver, "", m, store.Enqueue{}, now)
}
