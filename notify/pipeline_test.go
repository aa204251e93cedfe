package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/findings"
	"github.com/custos-msp/custos/notify"
	"github.com/custos-msp/custos/notify/notifytest"
	"github.com/custos-msp/custos/notify/webhook"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/seal"
	"github.com/custos-msp/custos/secret"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/vocab"
)

var (
	ctx = context.Background()
	t0  = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) // a Monday
)

// clock is a settable clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// fixture is a store with one customer, a pipeline with one webhook receiver "hook"
// on one route, and the fake endpoint behind it.
type fixture struct {
	st       *store.Store
	p        *notify.Pipeline
	hook     *notifytest.Hook
	clock    *clock
	customer uint
	log      *strings.Builder
}

func newFixture(t *testing.T, st *store.Store, statuses ...int) *fixture {
	t.Helper()
	key, _ := seal.GenerateKey()
	keyring, err := seal.NewKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	c := store.Customer{Name: "Contoso Ltd", Key: "contoso"}
	if err := storetest.DB(ctx, st).Create(&c).Error; err != nil {
		t.Fatal(err)
	}
	hook := notifytest.NewHook(t, statuses...)
	clk := &clock{t: t0}
	log := &strings.Builder{}
	p := &notify.Pipeline{
		Store: st, Sealer: keyring,
		Receivers: map[string]notify.Receiver{
			"hook": webhook.New("hook", secret.New(hook.URL+"/in?sig=s3cr3t-signature"), secret.New("k"), hook.Client()),
		},
		Routes: []notify.Route{{
			Receivers: []string{"hook"}, GroupWait: 30 * time.Second, GroupInterval: 5 * time.Minute,
			RepeatInterval: 24 * time.Hour, SendResolved: true,
		}},
		Location: time.UTC, MaxAttempts: 5, MinRetryWait: time.Minute, MaxRetryWait: 10 * time.Minute,
		Timeout: 5 * time.Second, Now: clk.now, Log: zerolog.New(log),
	}
	return &fixture{st: st, p: p, hook: hook, clock: clk, customer: c.ID, log: log}
}

func (f *fixture) finding(fp string, severity vocab.Severity) findings.Input {
	return findings.Input{Rule: "CONFIG-BACKUP-MISSING", Fingerprint: fp, Subject: "s-" + fp, CustomerID: &f.customer, Severity: severity, Summary: "device " + fp + " has no backup"}
}

// reconcile applies findings at the clock's time.
func (f *fixture) reconcile(t *testing.T, found ...findings.Input) {
	t.Helper()
	if _, err := findings.Apply(ctx, f.st, []string{"CONFIG-BACKUP-MISSING"}, found, f.clock.t); err != nil {
		t.Fatal(err)
	}
}

// run runs the pipeline at t0+at.
func (f *fixture) run(t *testing.T, at time.Duration) notify.Result {
	t.Helper()
	f.clock.t = t0.Add(at)
	res, err := f.p.Run(ctx)
	if err != nil {
		t.Fatalf("Run at +%v: %v", at, err)
	}
	return res
}

// delivered decodes what the endpoint accepted.
func (f *fixture) delivered(t *testing.T) []webhook.Payload {
	t.Helper()
	var out []webhook.Payload
	for _, b := range f.hook.Delivered() {
		var p webhook.Payload
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func TestPipeline_TenFindingsInTheGroupWaitArriveAsOneMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		var found []findings.Input
		for i := range 10 {
			found = append(found, f.finding(fmt.Sprintf("fw%02d", i), "high"))
		}
		f.reconcile(t, found...)
		if res := f.run(t, 10*time.Second); res.Held != 1 || res.Sent != 0 {
			t.Fatalf("within the group wait: %+v, want the group held", res)
		}
		if res := f.run(t, 31*time.Second); res.Enqueued != 1 || res.Sent != 1 {
			t.Fatalf("after the group wait: %+v, want one message sent", res)
		}
		got := f.delivered(t)
		if len(got) != 1 || len(got[0].Items) != 10 || got[0].Customer != "Contoso Ltd" {
			t.Fatalf("delivered %d messages: %+v", len(got), got)
		}
		h := f.hook.Headers()[0]
		if h.Get(webhook.IdempotencyHeader) != got[0].Key || h.Get(webhook.SignatureHeader) != webhook.Sign(secret.New("k"), f.hook.Delivered()[0]) {
			t.Errorf("headers = %v", h)
		}

		// Reconcile and notify again on unchanged data: nothing new.
		f.clock.t = t0.Add(time.Hour)
		f.reconcile(t, found...)
		if res := f.run(t, time.Hour); res.Enqueued != 0 || res.Sent != 0 {
			t.Errorf("re-run on unchanged data: %+v", res)
		}
		if f.hook.Requests() != 1 {
			t.Errorf("endpoint got %d requests, want 1", f.hook.Requests())
		}
		if n := count(t, st, &store.Delivery{}, "body <> ''"); n != 0 {
			t.Errorf("%d delivered bodies kept", n)
		}
		if n := count(t, st, &store.OutboxEntry{}); n != 0 {
			t.Errorf("%d outbox entries left", n)
		}
	})
}

func TestPipeline_CrashBetweenSendAndReceiptDeliversOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		f.reconcile(t, f.finding("fw01", "high"))
		cctx, crash := context.WithCancel(ctx)
		f.hook.OnRequest = crash // the endpoint has the message; the sender dies before recording it
		f.clock.t = t0.Add(time.Minute)
		if _, err := f.p.Run(cctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v, want it interrupted", err)
		}
		pending, _ := st.Deliveries(ctx, store.DeliveryFilter{Status: store.DeliveryPending})
		if len(pending) != 1 {
			t.Fatalf("pending deliveries after the crash = %d, want 1 (nothing lost)", len(pending))
		}
		f.hook.OnRequest = nil
		if res := f.run(t, 2*time.Minute); res.Sent != 1 {
			t.Fatalf("re-run: %+v", res)
		}
		if f.hook.Requests() != 2 || len(f.hook.Delivered()) != 1 {
			t.Errorf("requests %d, distinct messages %d; want 2 requests with one key", f.hook.Requests(), len(f.hook.Delivered()))
		}
		keys := map[string]bool{}
		for _, h := range f.hook.Headers() {
			keys[h.Get(webhook.IdempotencyHeader)] = true
		}
		if len(keys) != 1 {
			t.Errorf("the retry after the crash used another key: %v", keys)
		}
		if res := f.run(t, time.Hour); res.Sent != 0 {
			t.Errorf("a third run sent again: %+v", res)
		}
	})
}

func TestPipeline_ReceiverDownIsRetriedWithBackoff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusTooManyRequests)
		f.reconcile(t, f.finding("fw01", "critical"))
		steps := []struct {
			at                  time.Duration
			sent, retrying, due int
		}{
			{time.Minute, 0, 1, 1},                  // 503: next attempt in 1m
			{time.Minute + 30*time.Second, 0, 0, 0}, // not yet
			{2 * time.Minute, 0, 1, 1},              // 502: next in 2m
			{3 * time.Minute, 0, 0, 0},
			{4 * time.Minute, 0, 1, 1}, // 429: next in 4m
			{8 * time.Minute, 1, 0, 1}, // back: delivered
		}
		for _, s := range steps {
			before := f.hook.Requests()
			res := f.run(t, s.at)
			if res.Sent != s.sent || res.Retrying != s.retrying || f.hook.Requests()-before != s.due {
				t.Errorf("at +%v: %+v with %d requests, want sent %d retrying %d requests %d", s.at, res, f.hook.Requests()-before, s.sent, s.retrying, s.due)
			}
		}
		receipts, _ := st.Deliveries(ctx, store.DeliveryFilter{})
		if len(receipts) != 1 || receipts[0].Status != store.DeliverySent || receipts[0].Attempts != 4 {
			t.Errorf("receipt = %+v", receipts)
		}
		notifytest.AssertNoSecret(t, f.hook.URL+"/in?sig=s3cr3t-signature", f.log.String(), receipts[0].LastError)
		if !strings.Contains(f.log.String(), "HTTP 503") {
			t.Errorf("log does not say what failed: %s", f.log.String())
		}
	})
}

func TestPipeline_GivesUpOnPermanentErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st, http.StatusNotFound)
		f.reconcile(t, f.finding("fw01", "high"))
		if res := f.run(t, time.Minute); res.Failed != 1 || res.Retrying != 0 {
			t.Errorf("after a 404: %+v, want failed for good", res)
		}
		failed, _ := st.Deliveries(ctx, store.DeliveryFilter{Status: store.DeliveryFailed})
		if len(failed) != 1 || !strings.Contains(failed[0].LastError, "HTTP 404") {
			t.Errorf("failed receipts = %+v", failed)
		}
		notifytest.AssertNoSecret(t, f.hook.URL+"/in?sig=s3cr3t-signature", failed[0].LastError, f.log.String())
	})
}

func TestPipeline_AlertsAgainOnlyOnReopenEscalationOrRepeat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		a, b := f.finding("a", "medium"), f.finding("b", "low")
		steps := []struct {
			name   string
			at     time.Duration
			found  []findings.Input
			events []string
		}{
			{"opened", time.Minute, []findings.Input{a, b}, []string{"a:opened", "b:opened"}},
			{"unchanged", 20 * time.Minute, []findings.Input{a, b}, nil},
			{"a escalates", 40 * time.Minute, []findings.Input{f.finding("a", "high"), b}, []string{"a:escalated"}},
			{"b resolves", 60 * time.Minute, []findings.Input{f.finding("a", "high")}, []string{"b:resolved"}},
			{"b re-opens", 80 * time.Minute, []findings.Input{f.finding("a", "high"), b}, []string{"b:reopened"}},
			{"a is due a repeat", 25 * time.Hour, []findings.Input{f.finding("a", "high"), b}, []string{"a:repeat"}},
		}
		for _, s := range steps {
			f.clock.t = t0.Add(s.at)
			f.reconcile(t, s.found...)
			before := len(f.hook.Delivered())
			f.run(t, s.at+time.Minute)
			var events []string
			for _, m := range f.delivered(t)[before:] {
				for _, it := range m.Items {
					events = append(events, strings.TrimPrefix(it.Summary, "device ")[:1]+":"+it.Event)
				}
			}
			if strings.Join(events, ",") != strings.Join(s.events, ",") {
				t.Errorf("%s: sent %v, want %v", s.name, events, s.events)
			}
		}
	})
}

func TestPipeline_DryRunWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		f.reconcile(t, f.finding("fw01", "high"))
		f.clock.t = t0.Add(time.Minute)
		res, err := f.p.DryRun(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Planned) != 1 || res.Planned[0].Held != "" || len(res.Planned[0].Message.Items) != 1 {
			t.Errorf("dry run planned %+v", res.Planned)
		}
		if f.hook.Requests() != 0 || count(t, st, &store.Delivery{}) != 0 || count(t, st, &store.OutboxEntry{}, "receiver = ''") != 1 {
			t.Error("the dry run changed something")
		}
	})
}

// mailbox is an e-mail receiver (notify.Addressable) that keeps what it is sent.
type mailbox struct{ got []notify.Message }

func (m *mailbox) Name() string { return "mail" }
func (m *mailbox) Send(_ context.Context, msg notify.Message) error {
	m.got = append(m.got, msg)
	return nil
}
func (m *mailbox) SendsToMessageRecipients() {}

func TestPipeline_MessagesForTheirOwnRecipientsGoOnlyToEmail(t *testing.T) {
	to := []string{"it@contoso.example"}
	tests := []struct {
		name     string
		receiver string
		msg      notify.Message
		queued   bool
	}{
		{"report to e-mail", "mail", notify.Message{Key: "r1", Kind: notify.KindReport, Title: "October", To: to}, true},
		{"report to the webhook", "hook", notify.Message{Key: "r2", Kind: notify.KindReport, Title: "October", To: to}, false},
		{"report without To to the webhook", "hook", notify.Message{Key: "r3", Kind: notify.KindReport, Title: "October"}, false},
		{"message with To to the webhook", "hook", notify.Message{Key: "r4", Title: "hello", To: to}, false},
		{"plain message to the webhook", "hook", notify.Message{Key: "r5", Title: "hello"}, true},
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		mail := &mailbox{}
		f.p.Receivers["mail"] = mail
		for _, tt := range tests {
			_, err := f.p.Enqueue(ctx, tt.receiver, tt.msg)
			if queued := err == nil; queued != tt.queued {
				t.Errorf("%s: Enqueue = %v, want queued %v", tt.name, err, tt.queued)
			}
			if err != nil && !strings.Contains(err.Error(), "receiver "+tt.receiver+" is not an e-mail receiver") {
				t.Errorf("%s: the refusal %q does not name the receiver", tt.name, err)
			}
			if n := count(t, st, &store.Delivery{}, "idempotency_key = ?", tt.msg.Key); n != map[bool]int64{true: 1}[tt.queued] {
				t.Errorf("%s: %d deliveries stored", tt.name, n)
			}
		}
		if res := f.run(t, time.Minute); res.Sent != 2 || res.Failed != 0 {
			t.Errorf("first pass: %+v, want the report and the plain message sent", res)
		}
		if len(mail.got) != 1 || mail.got[0].Key != "r1" || !slices.Equal(mail.got[0].To, to) {
			t.Errorf("the e-mail receiver got %+v, want r1 to %v", mail.got, to)
		}
		// The e-mail receiver is replaced by a webhook after a report was queued:
		// delivery refuses it for good rather than post a customer's report.
		if _, err := f.p.Enqueue(ctx, "mail", notify.Message{Key: "r6", Kind: notify.KindReport, Title: "November", To: to}); err != nil {
			t.Fatal(err)
		}
		f.p.Receivers["mail"] = f.p.Receivers["hook"]
		before := f.hook.Requests()
		if res := f.run(t, 2*time.Minute); res.Sent != 0 || res.Failed != 1 || res.Retrying != 0 {
			t.Errorf("report for a webhook: %+v, want failed for good", res)
		}
		if f.hook.Requests() != before {
			t.Error("the report was posted to the webhook")
		}
	})
}

func count(t *testing.T, st *store.Store, model any, where ...any) int64 {
	t.Helper()
	var n int64
	q := storetest.DB(ctx, st).Model(model)
	if len(where) > 0 {
		q = q.Where(where[0], where[1:]...)
	}
	if err := q.Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// items lists what the endpoint accepted since message from, as "summary:event".
func (f *fixture) items(t *testing.T, from int) []string {
	t.Helper()
	var out []string
	for _, m := range f.delivered(t)[from:] {
		for _, it := range m.Items {
			out = append(out, strings.TrimPrefix(it.Summary, "device ")[:4]+":"+it.Event)
		}
	}
	return out
}

func TestPipeline_FailedDeliveryIsSentAgainAfterTheReceiverRecovers(t *testing.T) {
	tests := []struct {
		name     string
		statuses []int
	}{
		{"refused (4xx) until fixed", []int{http.StatusNotFound, http.StatusGone}},
		// MaxAttempts is 5: the first message fails for good after five 500s.
		{"down (5xx) past max_attempts", []int{500, 500, 500, 500, 500, 500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				f := newFixture(t, st, tt.statuses...)
				f.reconcile(t, f.finding("fw01", "high"))
				// Run every minute until the endpoint has answered every scripted failure.
				at := time.Minute
				failed := 0
				for ; f.hook.Requests() < len(tt.statuses); at += time.Minute {
					failed += f.run(t, at).Failed
					if at > 2*time.Hour {
						t.Fatalf("still failing after %v: %d requests", at, f.hook.Requests())
					}
				}
				if failed == 0 || len(f.hook.Delivered()) != 0 {
					t.Fatalf("while failing: %d failed for good, %d accepted", failed, len(f.hook.Delivered()))
				}
				if logs, _ := st.NotifyLogs(ctx); len(logs) != 0 {
					t.Errorf("a finding counts as notified before any receiver accepted it: %+v", logs)
				}
				health, _ := st.ReceiverHealths(ctx)
				if len(health) != 1 || health[0].FailingSince == nil || !health[0].FailingSince.Equal(t0.Add(time.Minute)) || health[0].Waiting != 1 {
					t.Errorf("receiver health while failing = %+v", health)
				}
				res := f.run(t, at)
				for ; len(f.hook.Delivered()) == 0 && at < 3*time.Hour; at += time.Minute {
					res = f.run(t, at)
				}
				if got := f.items(t, 0); !slices.Equal(got, []string{"fw01:opened"}) {
					t.Fatalf("after the receiver recovered it accepted %v, want the finding once", got)
				}
				if len(res.Failing) != 0 {
					t.Errorf("still reported failing after a delivery was accepted: %+v", res.Failing)
				}
				if logs, _ := st.NotifyLogs(ctx); len(logs) != 1 || logs[0].State != store.LogFiring {
					t.Errorf("notify log after acceptance = %+v", logs)
				}
				if n := count(t, st, &store.OutboxEntry{}); n != 0 {
					t.Errorf("%d outbox entries left after acceptance", n)
				}
				before := f.hook.Requests()
				f.reconcile(t, f.finding("fw01", "high"))
				f.run(t, at+time.Hour)
				if f.hook.Requests() != before {
					t.Error("sent again after it was accepted")
				}
				notifytest.AssertNoSecret(t, f.hook.URL+"/in?sig=s3cr3t-signature", f.log.String())
			})
		})
	}
}

func TestPipeline_AcknowledgedFindingsStayQuietAfterAFailedRepeat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		f.reconcile(t, f.finding("fw01", "high"), f.finding("fw02", "high"))
		f.run(t, time.Minute)
		if got := f.items(t, 0); len(got) != 2 {
			t.Fatalf("first alert: %v", got)
		}
		// A day later both are due a repeat; the endpoint refuses it.
		f.hook.Fail(http.StatusNotFound)
		if res := f.run(t, 25*time.Hour); res.Failed != 1 {
			t.Fatalf("repeat: %+v, want it failed for good", res)
		}
		if _, _, err := st.TriageFinding(ctx, "fw01", findings.Triage{Action: findings.Acknowledged, By: "ana", At: t0.Add(25 * time.Hour), Note: "on it"}.Apply); err != nil {
			t.Fatal(err)
		}
		f.run(t, 26*time.Hour)
		if got := f.items(t, 1); !slices.Equal(got, []string{"fw02:repeat"}) {
			t.Errorf("after recovery it sent %v, want only the repeat of the finding nobody acknowledged", got)
		}
		// Escalating the acknowledged finding alerts again.
		f.clock.t = t0.Add(27 * time.Hour)
		f.reconcile(t, f.finding("fw01", "critical"), f.finding("fw02", "high"))
		f.run(t, 28*time.Hour)
		if got := f.items(t, 2); !slices.Equal(got, []string{"fw01:escalated"}) {
			t.Errorf("after escalation it sent %v, want fw01 escalated", got)
		}
	})
}

func TestPipeline_NoReceiverKeepsAlertsQueued(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		receivers, routes := f.p.Receivers, f.p.Routes
		f.reconcile(t, f.finding("fw01", "high"), f.finding("fw02", "low"))
		steps := []struct {
			name      string
			receivers map[string]notify.Receiver
			routes    []notify.Route
			waiting   string
		}{
			{"no receiver", map[string]notify.Receiver{}, nil,
				"2 alerts waiting: no receiver is configured (notify.receivers) for CONFIG-BACKUP-MISSING (2)"},
			{"no route", receivers, nil, "2 alerts waiting: no route is configured (notify.routes) for CONFIG-BACKUP-MISSING (2)"},
			{"no route matches low", receivers, []notify.Route{{Severities: []vocab.Severity{"high"}, Receivers: []string{"hook"}}},
				"1 alert waiting: no route (notify.routes) matches them for CONFIG-BACKUP-MISSING (1)"},
			{"routed", receivers, routes, ""},
		}
		for i, s := range steps {
			f.p.Receivers, f.p.Routes = s.receivers, s.routes
			res := f.run(t, time.Duration(i+1)*time.Hour)
			var waiting []string
			for _, w := range res.Waiting {
				waiting = append(waiting, w.String())
			}
			if strings.Join(waiting, "; ") != s.waiting {
				t.Errorf("%s: waiting %q, want %q", s.name, waiting, s.waiting)
			}
		}
		if got := f.items(t, 0); !slices.Equal(got, []string{"fw01:opened", "fw02:opened"}) {
			t.Errorf("once routed the endpoint got %v, want both findings: nothing dropped", got)
		}
	})
}

func TestPipeline_NotifyFailingOpensWhileAReceiverFailsAndResolvesAfter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		mail := &mailbox{}
		f.p.Receivers["mail"] = mail
		// NOTIFY-FAILING goes to the mailbox as well as the webhook.
		f.p.Routes = append([]notify.Route{{Rules: []string{reconcile.RuleNotifyFailing}, Receivers: []string{"mail"}, Continue: true}}, f.p.Routes...)
		cfg := config.Default()
		cfg.Notify.Receivers = []config.Receiver{{Name: "hook"}, {Name: "mail"}}
		rules, problems := reconcile.Configure(&cfg)
		if len(problems) > 0 {
			t.Fatal(problems)
		}
		// Only NOTIFY-FAILING: the others would resolve the planted finding.
		only := slices.DeleteFunc(rules.Rules, func(r reconcile.Rule) bool { return r.ID() != reconcile.RuleNotifyFailing })
		engine := &reconcile.Engine{Store: st, Rules: only, Log: zerolog.Nop()}
		failing := func(at time.Duration) []store.FindingView {
			t.Helper()
			if _, err := engine.Run(ctx, t0.Add(at)); err != nil {
				t.Fatal(err)
			}
			fs, err := st.Findings(ctx, store.FindingFilter{Rule: reconcile.RuleNotifyFailing, Status: store.StatusOpen})
			if err != nil {
				t.Fatal(err)
			}
			return fs
		}

		f.hook.Down(http.StatusNotFound) // the flow behind the webhook was deleted
		f.reconcile(t, f.finding("fw01", "high"))
		for at := time.Minute; at <= 90*time.Minute; at += 10 * time.Minute {
			f.run(t, at)
			if fs := failing(at); at <= time.Hour && len(fs) != 0 {
				t.Fatalf("NOTIFY-FAILING open at +%v, before the hour it allows: %+v", at, fs)
			}
		}
		// Waiting for it: fw01, and NOTIFY-FAILING itself.
		fs := failing(91 * time.Minute)
		if len(fs) != 1 || !strings.Contains(fs[0].Summary, "receiver hook has failed every message since 2026-11-23 10:01 UTC") ||
			!strings.Contains(fs[0].Summary, "findings waiting for it: 2") || !strings.Contains(fs[0].Summary, "HTTP 404") {
			t.Fatalf("NOTIFY-FAILING after 90 minutes = %+v", fs)
		}
		notifytest.AssertNoSecret(t, f.hook.URL+"/in?sig=s3cr3t-signature", fs[0].Summary)
		res := f.run(t, 92*time.Minute)
		if len(res.Failing) != 1 || res.Failing[0].Receiver != "hook" {
			t.Errorf("the run does not report the failing receiver: %+v", res.Failing)
		}
		if len(mail.got) != 1 || mail.got[0].Items[0].Rule != reconcile.RuleNotifyFailing {
			t.Fatalf("the other receiver got %+v, want the NOTIFY-FAILING alert", mail.got)
		}

		f.hook.Down(0) // fixed
		f.run(t, 100*time.Minute)
		if got := f.items(t, 0); !slices.Contains(got, "fw01:opened") {
			t.Errorf("after recovery the webhook accepted %v, want fw01", got)
		}
		if fs := failing(101 * time.Minute); len(fs) != 0 {
			t.Errorf("NOTIFY-FAILING still open after the receiver accepted again: %+v", fs)
		}
	})
}
