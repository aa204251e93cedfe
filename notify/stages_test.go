package notify

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/vocab"
)

// These tests run each stage on a batch made by hand, without a database: the clock
// is the batch's now, and the queue stage writes to fakeOutbox.

var (
	bctx = context.Background()
	mon  = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) // a Monday, 10:00
)

// finding is an open finding of customer 1 (0: none) with id and fingerprint fp.
func finding(id uint, fp string, customer uint, status string) store.FindingView {
	f := store.FindingView{Finding: store.Finding{
		ID: id, Rule: "R1", Fingerprint: fp, Severity: "high", Summary: "about " + fp, Status: status, FirstSeen: mon,
	}, CustomerName: "Contoso"}
	if customer != 0 {
		f.CustomerID = &customer
	}
	return f
}

// entry is an outbox entry about finding id (fingerprint fp), routed to receiver
// when it is not empty.
func entry(id, finding uint, fp, event string, severity vocab.Severity, receiver string, at time.Time) store.OutboxEntry {
	return store.OutboxEntry{ID: id, FindingID: finding, Fingerprint: fp, Event: event, Severity: severity, Receiver: receiver, CreatedAt: at}
}

// logged is a notify log row.
func logged(receiver, fp, state string, severity vocab.Severity, at time.Time) store.NotifyLog {
	return store.NotifyLog{Receiver: receiver, Fingerprint: fp, State: state, Severity: severity, NotifiedAt: at}
}

// byID indexes findings.
func byID(fs ...store.FindingView) map[uint]store.FindingView {
	out := map[uint]store.FindingView{}
	for _, f := range fs {
		out[f.ID] = f
	}
	return out
}

// describe lists entries as "fingerprint@receiver/route:event".
func describe(entries []*store.OutboxEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, fmt.Sprintf("%s@%s/%d:%s", e.Fingerprint, e.Receiver, e.Route, e.Event))
	}
	return out
}

func TestRouteStage_RoutesEachUnroutedEntryToItsReceivers(t *testing.T) {
	routes := []Route{
		{Severities: []vocab.Severity{"critical"}, Receivers: []string{"pager", "teams"}, Continue: true},
		{Customers: []string{"contoso"}, Receivers: []string{"teams", "mail"}},
		{Receivers: []string{"catchall"}},
	}
	tests := []struct {
		name     string
		entries  []store.OutboxEntry
		routed   []string
		unrouted []uint
	}{
		{"first match without continue wins",
			[]store.OutboxEntry{entry(1, 1, "a", "opened", "high", "", mon)},
			[]string{"a@teams/1:opened", "a@mail/1:opened"}, []uint{1}},
		{"continue reaches the next route, a receiver named twice through the first",
			[]store.OutboxEntry{entry(1, 1, "a", "escalated", "critical", "", mon)},
			[]string{"a@pager/0:escalated", "a@teams/0:escalated", "a@mail/1:escalated"}, []uint{1}},
		{"another customer falls through to the catch-all",
			[]store.OutboxEntry{entry(1, 2, "b", "opened", "low", "", mon)},
			[]string{"b@catchall/2:opened"}, []uint{1}},
		{"an entry whose finding is gone is routed nowhere but replaced",
			[]store.OutboxEntry{entry(1, 9, "gone", "opened", "high", "", mon)},
			nil, []uint{1}},
		{"routed entries pass through first, in outbox order",
			[]store.OutboxEntry{entry(1, 1, "a", "opened", "high", "mail", mon), entry(2, 2, "b", "opened", "low", "", mon)},
			[]string{"a@mail/0:opened", "b@catchall/2:opened"}, []uint{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			other := finding(2, "b", 2, store.StatusOpen)
			other.CustomerName = "Fabrikam"
			b := &batch{now: mon, entries: tt.entries, findings: byID(finding(1, "a", 1, store.StatusOpen), other)}
			receivers := map[string]Receiver{"pager": fakeReceiver{}, "teams": fakeReceiver{}, "mail": fakeReceiver{}, "catchall": fakeReceiver{}}
			if err := (routeStage{router{routes}, receivers}).exec(bctx, b); err != nil {
				t.Fatal(err)
			}
			if got := describe(b.routed); !slices.Equal(got, tt.routed) {
				t.Errorf("routed = %v, want %v", got, tt.routed)
			}
			if !slices.Equal(b.unrouted, tt.unrouted) {
				t.Errorf("unrouted = %v, want %v", b.unrouted, tt.unrouted)
			}
			if b.res.Routed != len(b.fresh) {
				t.Errorf("Routed = %d, want %d", b.res.Routed, len(b.fresh))
			}
		})
	}
}

func TestRepeatStage_RepeatsFiringFindingsAfterTheInterval(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name    string
		every   time.Duration
		log     []store.NotifyLog
		waiting []store.OutboxEntry
		want    []string
	}{
		{"told more than the interval ago", day, []store.NotifyLog{logged("hook", "a", store.LogFiring, "high", mon.Add(-25*time.Hour))}, nil,
			[]string{"a@hook/0:repeat"}},
		{"told exactly the interval ago", day, []store.NotifyLog{logged("hook", "a", store.LogFiring, "high", mon.Add(-day))}, nil,
			[]string{"a@hook/0:repeat"}},
		{"told within the interval", day, []store.NotifyLog{logged("hook", "a", store.LogFiring, "high", mon.Add(-23*time.Hour))}, nil, nil},
		{"a zero interval never repeats", 0, []store.NotifyLog{logged("hook", "a", store.LogFiring, "high", mon.Add(-99*day))}, nil, nil},
		{"last told it resolved", day, []store.NotifyLog{logged("hook", "a", store.LogResolved, "high", mon.Add(-25*time.Hour))}, nil, nil},
		{"never told", day, nil, nil, nil},
		{"an entry is waiting already", day, []store.NotifyLog{logged("hook", "a", store.LogFiring, "high", mon.Add(-25*time.Hour))},
			[]store.OutboxEntry{entry(7, 1, "a", "escalated", "critical", "hook", mon)}, []string{"a@hook/0:escalated"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &batch{now: mon, open: []store.FindingView{finding(1, "a", 1, store.StatusOpen)}, log: newNflog(tt.log)}
			for i := range tt.waiting {
				b.routed = append(b.routed, &tt.waiting[i])
			}
			r := router{[]Route{{Receivers: []string{"hook"}, RepeatInterval: tt.every}}}
			if err := (repeatStage{r}).exec(bctx, b); err != nil {
				t.Fatal(err)
			}
			if got := describe(b.routed); !slices.Equal(got, tt.want) {
				t.Errorf("routed = %v, want %v", got, tt.want)
			}
			if len(b.repeats) == 1 && !b.repeats[0].CreatedAt.Equal(tt.log[0].NotifiedAt.Add(tt.every)) {
				t.Errorf("the repeat fell due at %v, want when the interval ended", b.repeats[0].CreatedAt)
			}
		})
	}
}

func TestDedupStage_KeepsOnlyNews(t *testing.T) {
	at := mon.Add(-time.Hour)
	firing := logged("hook", "a", store.LogFiring, "medium", mon.Add(-2*time.Hour))
	tests := []struct {
		name    string
		entries []store.OutboxEntry
		log     []store.NotifyLog
		status  string
		kept    []string
	}{
		{"opened, never told", []store.OutboxEntry{entry(1, 1, "a", "opened", "medium", "hook", at)}, nil, store.StatusOpen, []string{"a@hook/0:opened"}},
		{"opened, told since", []store.OutboxEntry{entry(1, 1, "a", "opened", "medium", "hook", mon.Add(-3*time.Hour))}, []store.NotifyLog{firing}, store.StatusOpen, nil},
		{"re-opened after it was told", []store.OutboxEntry{entry(1, 1, "a", "reopened", "medium", "hook", at)}, []store.NotifyLog{firing}, store.StatusOpen, []string{"a@hook/0:reopened"}},
		{"escalated above what was told", []store.OutboxEntry{entry(1, 1, "a", "escalated", "high", "hook", at)}, []store.NotifyLog{firing}, store.StatusOpen, []string{"a@hook/0:escalated"}},
		{"escalated to what was told", []store.OutboxEntry{entry(1, 1, "a", "escalated", "medium", "hook", at)}, []store.NotifyLog{firing}, store.StatusOpen, nil},
		{"resolved after it was told firing", []store.OutboxEntry{entry(1, 1, "a", "resolved", "medium", "hook", at)}, []store.NotifyLog{firing}, store.StatusResolved, []string{"a@hook/0:resolved"}},
		{"resolved, never told", []store.OutboxEntry{entry(1, 1, "a", "resolved", "medium", "hook", at)}, nil, store.StatusResolved, nil},
		{"resolved on a route without send_resolved", []store.OutboxEntry{func() store.OutboxEntry {
			e := entry(1, 1, "a", "resolved", "medium", "hook", at)
			e.Route = 1
			return e
		}()}, []store.NotifyLog{firing}, store.StatusResolved, nil},
		{"suppressed", []store.OutboxEntry{entry(1, 1, "a", "opened", "medium", "hook", at)}, nil, store.StatusSuppressed, nil},
		{"repeat due", []store.OutboxEntry{entry(1, 1, "a", "repeat", "medium", "hook", at)}, []store.NotifyLog{logged("hook", "a", store.LogFiring, "medium", mon.Add(-25*time.Hour))}, store.StatusOpen, []string{"a@hook/0:repeat"}},
		{"repeat of an acknowledged finding", []store.OutboxEntry{entry(1, 1, "a", "repeat", "medium", "hook", at)}, []store.NotifyLog{logged("hook", "a", store.LogFiring, "medium", mon.Add(-25*time.Hour))}, "acknowledged", nil},
		{"escalation of an acknowledged finding", []store.OutboxEntry{entry(1, 1, "a", "escalated", "high", "hook", at)}, []store.NotifyLog{firing}, store.StatusAcknowledged, []string{"a@hook/0:escalated"}},
		{"a finding that no longer exists", []store.OutboxEntry{entry(1, 9, "x", "opened", "medium", "hook", at)}, nil, store.StatusOpen, nil},
		{"the newest of one finding's entries stands for all", []store.OutboxEntry{
			entry(1, 1, "a", "opened", "medium", "hook", at), entry(2, 1, "a", "escalated", "high", "hook", at),
		}, nil, store.StatusOpen, []string{"a@hook/0:opened", "a@hook/0:escalated"}},
	}
	routes := []Route{{Receivers: []string{"hook"}, SendResolved: true, RepeatInterval: 24 * time.Hour}, {Receivers: []string{"hook"}}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &batch{now: mon, findings: byID(finding(1, "a", 1, tt.status)), log: newNflog(tt.log)}
			for i := range tt.entries {
				b.routed = append(b.routed, &tt.entries[i])
			}
			s := dedupStage{routes: routes}
			if err := s.exec(bctx, b); err != nil {
				t.Fatal(err)
			}
			var kept []*store.OutboxEntry
			for _, pd := range b.kept {
				kept = append(kept, pd.entries...)
			}
			if got := describe(kept); !slices.Equal(got, tt.kept) {
				t.Errorf("kept %v, want %v", got, tt.kept)
			}
			if len(kept)+len(b.dropped) != len(tt.entries) || b.res.Dropped != len(b.dropped) {
				t.Errorf("kept %d and dropped %d (counted %d) of %d entries", len(kept), len(b.dropped), b.res.Dropped, len(tt.entries))
			}
		})
	}
}

// fakeReceiver is a receiver that accepts everything.
type fakeReceiver struct{}

func (fakeReceiver) Name() string                        { return "hook" }
func (fakeReceiver) Send(context.Context, Message) error { return nil }

// kept makes the pending items of the given entries, one finding each.
func kept(findings map[uint]store.FindingView, entries ...store.OutboxEntry) []pending {
	var out []pending
	for i := range entries {
		out = append(out, pending{entries: []*store.OutboxEntry{&entries[i]}, finding: findings[entries[i].FindingID]})
	}
	return out
}

func TestGroupStage_GroupsPerReceiverRouteAndCustomer(t *testing.T) {
	fs := byID(finding(1, "a", 1, store.StatusOpen), finding(2, "b", 1, store.StatusOpen), finding(3, "c", 2, store.StatusOpen), finding(4, "d", 0, store.StatusOpen))
	onRoute1 := entry(5, 2, "b", "opened", "high", "hook", mon)
	onRoute1.Route = 1
	b := &batch{now: mon, kept: kept(fs,
		entry(1, 1, "a", "opened", "high", "hook", mon), entry(2, 3, "c", "opened", "high", "hook", mon),
		entry(3, 2, "b", "opened", "high", "hook", mon), entry(4, 4, "d", "opened", "high", "hook", mon),
		onRoute1, entry(6, 1, "a", "opened", "high", "digest", mon), entry(7, 3, "c", "opened", "high", "digest", mon),
	)}
	if err := (groupStage{digests: map[string]Digest{"digest": {Every: "hourly"}}}).exec(bctx, b); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range b.groups {
		var fps []string
		for _, pd := range g.items {
			fps = append(fps, pd.finding.Fingerprint)
		}
		got = append(got, fmt.Sprintf("%s digest=%v %s", g.key, g.digest, strings.Join(fps, "")))
	}
	want := []string{"hook:0:1 digest=false ab", "hook:0:2 digest=false c", "hook:0:0 digest=false d", "hook:1:1 digest=false b", "digest:digest digest=true ac"}
	if !slices.Equal(got, want) {
		t.Errorf("groups = %v, want %v", got, want)
	}
}

func TestHoldStage_SaysWhyAGroupWaits(t *testing.T) {
	business := Hours{Days: []config.Day{config.Day(time.Monday), config.Day(time.Tuesday)}, Window: config.Window{Start: 9 * 60, End: 17 * 60, Set: true}}
	routes := []Route{
		{GroupWait: 30 * time.Second, GroupInterval: 5 * time.Minute},
		{Quiet: config.Window{Start: 22 * 60, End: 7 * 60, Set: true}},
		{BusinessHoursOnly: true},
	}
	tests := []struct {
		name    string
		now     time.Time
		route   int
		digest  bool
		created time.Time
		flushed time.Time
		held    string
	}{
		{"due", mon, 0, false, mon.Add(-time.Minute), time.Time{}, ""},
		{"in the group wait", mon, 0, false, mon.Add(-10 * time.Second), time.Time{}, "group wait until 2026-11-23T10:00:20Z"},
		{"in the group interval", mon, 0, false, mon.Add(-time.Minute), mon.Add(-time.Minute), "group interval until 2026-11-23T10:04:00Z"},
		{"after the group interval", mon, 0, false, mon.Add(-time.Minute), mon.Add(-5 * time.Minute), ""},
		{"quiet hours past midnight", mon.Add(15 * time.Hour), 1, false, mon, time.Time{}, "quiet hours"},
		{"after quiet hours", mon.Add(-2 * time.Hour), 1, false, mon.Add(-3 * time.Hour), time.Time{}, ""},
		{"outside business hours", mon.Add(8 * time.Hour), 2, false, mon, time.Time{}, "outside business hours"},
		{"outside business days", mon.Add(48 * time.Hour), 2, false, mon, time.Time{}, "outside business hours"},
		{"in business hours", mon.Add(24 * time.Hour), 2, false, mon, time.Time{}, ""},
		{"digest not due", mon.Add(30 * time.Minute), 0, true, mon.Add(5 * time.Minute), time.Time{}, "digest due 2026-11-23T11:00:00Z"},
		{"digest due", mon.Add(61 * time.Minute), 0, true, mon.Add(5 * time.Minute), time.Time{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := entry(1, 1, "a", "opened", "high", "hook", tt.created)
			g := &group{key: "hook:0:1", receiver: "hook", route: tt.route, digest: tt.digest, items: kept(byID(finding(1, "a", 1, store.StatusOpen)), e)}
			b := &batch{now: tt.now, groups: []*group{g}, flushes: map[string]time.Time{}}
			if !tt.flushed.IsZero() {
				b.flushes[g.key] = tt.flushed
			}
			s := holdStage{routes: routes, digests: map[string]Digest{"hook": {Every: "hourly"}}, location: time.UTC, business: business}
			if err := s.exec(bctx, b); err != nil {
				t.Fatal(err)
			}
			if g.held != tt.held {
				t.Errorf("held %q, want %q", g.held, tt.held)
			}
			if want := map[bool]int{true: 1}[tt.held != ""]; b.res.Held != want {
				t.Errorf("Held = %d, want %d", b.res.Held, want)
			}
		})
	}
}

// fakeOutbox keeps notify's rows in memory and records every write.
type fakeOutbox struct {
	nextID   uint
	writes   []string
	enqueued []store.Enqueue
}

func (o *fakeOutbox) setIDs(entries []store.OutboxEntry) {
	for i := range entries {
		o.nextID++
		entries[i].ID = o.nextID
	}
}

func (o *fakeOutbox) Outbox(context.Context) ([]store.OutboxEntry, error) { return nil, nil }
func (o *fakeOutbox) RouteOutbox(_ context.Context, unrouted []uint, routed []store.OutboxEntry) error {
	o.setIDs(routed)
	o.writes = append(o.writes, fmt.Sprintf("route %v into %d", unrouted, len(routed)))
	return nil
}
func (o *fakeOutbox) AddOutbox(_ context.Context, entries []store.OutboxEntry) error {
	o.setIDs(entries)
	o.writes = append(o.writes, fmt.Sprintf("add %d", len(entries)))
	return nil
}
func (o *fakeOutbox) DropOutbox(_ context.Context, ids []uint) error {
	o.writes = append(o.writes, fmt.Sprintf("drop %v", ids))
	return nil
}
func (o *fakeOutbox) NotifyLogs(context.Context) ([]store.NotifyLog, error)      { return nil, nil }
func (o *fakeOutbox) GroupFlushes(context.Context) (map[string]time.Time, error) { return nil, nil }
func (o *fakeOutbox) EnqueueDelivery(_ context.Context, e store.Enqueue) (store.Delivery, error) {
	o.writes = append(o.writes, fmt.Sprintf("enqueue %s claiming %v", e.Delivery.GroupKey, e.Claimed))
	o.enqueued = append(o.enqueued, e)
	return e.Delivery, nil
}
func (o *fakeOutbox) PendingDeliveries(context.Context, time.Time, int) ([]store.Delivery, error) {
	return nil, nil
}
func (o *fakeOutbox) RecordAttempt(context.Context, uint, store.Attempt) error { return nil }
func (o *fakeOutbox) DeliveryEntries(context.Context, uint) ([]store.OutboxEntry, error) {
	return nil, nil
}
func (o *fakeOutbox) ReceiverHealths(context.Context) ([]store.ReceiverHealth, error) {
	return nil, nil
}

// fakeSealer "seals" by prefixing.
type fakeSealer struct{}

func (fakeSealer) Seal(p, _ []byte) (string, error) { return "sealed:" + string(p), nil }
func (fakeSealer) Open(s string, _ []byte) ([]byte, error) {
	return []byte(strings.TrimPrefix(s, "sealed:")), nil
}

// planned runs route to hold on an outbox of one unrouted entry, one already routed
// to a held group, and one that dedup drops, then last.
func planned(t *testing.T, last stage) *batch {
	t.Helper()
	fs := byID(finding(1, "a", 1, store.StatusOpen), finding(2, "b", 2, store.StatusOpen), finding(3, "c", 1, store.StatusSuppressed))
	b := &batch{
		now: mon, findings: fs, log: newNflog(nil), flushes: map[string]time.Time{"hook:0:2": mon.Add(-time.Minute)},
		entries: []store.OutboxEntry{
			entry(10, 2, "b", "opened", "high", "hook", mon.Add(-time.Hour)),
			entry(11, 1, "a", "opened", "critical", "", mon.Add(-time.Hour)),
			entry(12, 3, "c", "opened", "low", "", mon.Add(-time.Hour)),
		},
	}
	routes := []Route{{Receivers: []string{"hook"}, GroupInterval: 5 * time.Minute}}
	stages := multiStage{
		routeStage{router{routes}, map[string]Receiver{"hook": fakeReceiver{}}}, repeatStage{router{routes}},
		dedupStage{routes: routes},
		groupStage{}, holdStage{routes: routes, location: time.UTC}, last,
	}
	if err := stages.exec(bctx, b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestQueueStage_WritesWhatTheStagesDecidedAndQueuesWhatIsDue(t *testing.T) {
	o := &fakeOutbox{nextID: 100}
	b := planned(t, queueStage{queuer: queuer{outbox: o, sealer: fakeSealer{}}, link: "https://custos.example/findings"})
	want := []string{"route [11 12] into 2", "add 0", "drop [102]", "enqueue hook:0:1 claiming [101]"}
	if !slices.Equal(o.writes, want) {
		t.Errorf("writes = %v, want %v", o.writes, want)
	}
	if len(o.enqueued) != 1 {
		t.Fatalf("enqueued %d messages", len(o.enqueued))
	}
	e := o.enqueued[0]
	d := e.Delivery
	if d.Receiver != "hook" || d.Kind != KindAlert || d.Status != store.DeliveryPending || !d.NextAttemptAt.Equal(mon) ||
		d.Findings != 1 || !strings.HasPrefix(d.Body, "sealed:") || d.IdempotencyKey != b.res.Planned[1].Message.Key {
		t.Errorf("delivery = %+v", d)
	}
	if b.res.Enqueued != 1 || b.res.Held != 1 || len(b.res.Planned) != 2 || b.res.Planned[0].Held == "" || b.res.Planned[1].Held != "" {
		t.Errorf("result = %+v", b.res)
	}
}

func TestPreviewStage_PlansLikeQueueAndWritesNothing(t *testing.T) {
	o := &fakeOutbox{nextID: 100}
	queued := planned(t, queueStage{queuer: queuer{outbox: o, sealer: fakeSealer{}}})
	preview := planned(t, previewStage{})
	if preview.res.Enqueued != queued.res.Enqueued || preview.res.Held != queued.res.Held ||
		preview.res.Routed != queued.res.Routed || preview.res.Dropped != queued.res.Dropped {
		t.Errorf("preview %+v, queue %+v", preview.res, queued.res)
	}
	for i, p := range preview.res.Planned {
		q := queued.res.Planned[i]
		if p.Receiver != q.Receiver || p.Held != q.Held || p.Message.Title != q.Message.Title {
			t.Errorf("planned[%d]: preview %+v, queue %+v", i, p, q)
		}
	}
	if preview.entries[1].Receiver != "" || preview.fresh[0].ID != 11 {
		t.Error("the preview changed the entries it read")
	}
}

func TestQueueStage_RefusesWithoutASealingKey(t *testing.T) {
	o := &fakeOutbox{}
	b := &batch{now: mon, groups: []*group{{key: "k", receiver: "hook", items: kept(byID(finding(1, "a", 1, store.StatusOpen)), entry(1, 1, "a", "opened", "high", "hook", mon))}}}
	err := queueStage{queuer: queuer{outbox: o}}.exec(bctx, b)
	if err == nil || !strings.Contains(err.Error(), "seal.key") || len(o.enqueued) != 0 {
		t.Errorf("exec = %v with %d enqueued, want a refusal naming seal.key", err, len(o.enqueued))
	}
}

func TestPipelineOutcome_DecidesRetries(t *testing.T) {
	p := &Pipeline{MaxAttempts: 3, MinRetryWait: time.Minute, MaxRetryWait: 3 * time.Minute}
	boom := errors.New("HTTP 503")
	tests := []struct {
		name     string
		attempts int
		err      error
		want     store.Attempt
	}{
		{"accepted", 0, nil, store.Attempt{Status: store.DeliverySent, SentAt: mon}},
		{"first failure waits the minimum", 0, Temporary(boom, 0), store.Attempt{Status: store.DeliveryPending, NextAttemptAt: mon.Add(time.Minute), LastError: "HTTP 503"}},
		{"second failure waits twice as long", 1, Temporary(boom, 0), store.Attempt{Status: store.DeliveryPending, NextAttemptAt: mon.Add(2 * time.Minute), LastError: "HTTP 503"}},
		{"the receiver's Retry-After wins when longer", 0, Temporary(boom, 10*time.Minute), store.Attempt{Status: store.DeliveryPending, NextAttemptAt: mon.Add(10 * time.Minute), LastError: "HTTP 503"}},
		{"an error that says nothing is retried", 0, boom, store.Attempt{Status: store.DeliveryPending, NextAttemptAt: mon.Add(time.Minute), LastError: "HTTP 503"}},
		{"the last attempt fails for good", 2, Temporary(boom, 0), store.Attempt{Status: store.DeliveryFailed, LastError: "HTTP 503"}},
		{"a permanent error fails at once", 0, Permanent(errors.New("HTTP 404")), store.Attempt{Status: store.DeliveryFailed, LastError: "HTTP 404"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.At = mon
			if got := p.outcome(store.Delivery{Attempts: tt.attempts}, tt.err, mon); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("outcome = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRouteStage_KeepsWhatNoReceiverTakesAndSetsAsideWhatIsInFlight(t *testing.T) {
	routes := []Route{{Severities: []vocab.Severity{"critical"}, Receivers: []string{"pager"}}}
	inFlight := entry(3, 1, "a", "opened", "critical", "pager", mon)
	inFlight.DeliveryID = new(uint(7))
	b := &batch{now: mon, findings: byID(finding(1, "a", 1, store.StatusOpen), finding(2, "b", 1, store.StatusOpen)), entries: []store.OutboxEntry{
		entry(1, 2, "b", "opened", "high", "", mon),            // no route matches high: waits
		entry(2, 1, "a", "escalated", "critical", "gone", mon), // its receiver was removed: routed again
		inFlight,
	}}
	if err := (routeStage{router{routes}, map[string]Receiver{"pager": fakeReceiver{}}}).exec(bctx, b); err != nil {
		t.Fatal(err)
	}
	if got := describe(b.routed); !slices.Equal(got, []string{"a@pager/0:escalated"}) {
		t.Errorf("routed = %v", got)
	}
	if !slices.Equal(b.unrouted, []uint{2}) || len(b.inflight) != 1 || b.inflight[0].ID != 3 {
		t.Errorf("replaced %v, in flight %v; want 2 replaced and 3 set aside", b.unrouted, describe(b.inflight))
	}
	want := []Waiting{{Reason: "no route (notify.routes) matches them", Findings: 1, Rules: map[string]int{"R1": 1}}}
	if !reflect.DeepEqual(b.res.Waiting, want) {
		t.Errorf("waiting = %+v, want %+v", b.res.Waiting, want)
	}
}

func TestDedupStage_CountsWhatIsInFlightAsTold(t *testing.T) {
	inFlight := entry(1, 1, "a", "opened", "medium", "hook", mon.Add(-time.Hour))
	inFlight.DeliveryID = new(uint(7))
	tests := []struct {
		name   string
		entry  store.OutboxEntry
		status string
		kept   bool
	}{
		{"resolved while its opening is in flight", entry(2, 1, "a", "resolved", "medium", "hook", mon), store.StatusResolved, true},
		{"opened again before the one in flight", entry(2, 1, "a", "opened", "medium", "hook", mon.Add(-2*time.Hour)), store.StatusOpen, false},
		{"escalated above what is in flight", entry(2, 1, "a", "escalated", "high", "hook", mon), store.StatusOpen, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &batch{now: mon, findings: byID(finding(1, "a", 1, tt.status)), log: newNflog(nil),
				inflight: []*store.OutboxEntry{&inFlight}, routed: []*store.OutboxEntry{&tt.entry}}
			if err := (dedupStage{routes: []Route{{Receivers: []string{"hook"}, SendResolved: true}}}).exec(bctx, b); err != nil {
				t.Fatal(err)
			}
			if kept := len(b.kept) == 1; kept != tt.kept {
				t.Errorf("kept %v, want %v", kept, tt.kept)
			}
			if len(b.log) != 0 {
				t.Error("dedup changed the notify log it read")
			}
		})
	}
}

func TestMarkNotified_LogsTheNewestEntryOfEachFindingAtQueueTime(t *testing.T) {
	d := store.Delivery{Receiver: "hook", CreatedAt: mon}
	got := markNotified(d, []store.OutboxEntry{
		entry(1, 1, "a", "opened", "medium", "hook", mon.Add(-time.Hour)),
		entry(2, 2, "b", "opened", "high", "hook", mon.Add(-time.Hour)),
		entry(3, 1, "a", "resolved", "medium", "hook", mon.Add(-time.Minute)),
	})
	want := []store.NotifyLog{logged("hook", "a", store.LogResolved, "medium", mon), logged("hook", "b", store.LogFiring, "high", mon)}
	if !slices.Equal(got, want) {
		t.Errorf("markNotified = %+v, want %+v", got, want)
	}
}
