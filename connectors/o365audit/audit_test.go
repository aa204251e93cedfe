package o365audit

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/connectortest"
	"github.com/custos-msp/custos/duration"
	"github.com/custos-msp/custos/entraauth"
	"github.com/custos-msp/custos/fixtures/fakehttp"
	fx "github.com/custos-msp/custos/fixtures/o365audit"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/vocab"
)

// pullAll runs every audit stream for Contoso from empty cursors and returns the
// access events by id.
func (e *env) pullAll(t *testing.T) map[string]*record.AccessEvent {
	t.Helper()
	out := map[string]*record.AccessEvent{}
	for _, name := range []string{"azureactivedirectory", "exchange", "sharepoint", "general"} {
		sink, _ := e.mustPull(t, name, "")
		for id, ev := range connectortest.ByID[*record.AccessEvent](sink.Records()) {
			if out[id] != nil {
				t.Errorf("record %s handed over by two streams", id)
			}
			out[id] = ev
		}
		if n := len(sink.IDs()); n != len(connectortest.ByID[*record.AccessEvent](sink.Records())) {
			t.Errorf("%s: %d records handed over, some twice", name, n)
		}
	}
	return out
}

func TestAudit_KeepsPartnerTechnicianRecordsOnly(t *testing.T) {
	e := newEnv(t, nil, nil)
	got := e.pullAll(t)
	want := map[string]struct {
		kind    string
		removal bool
		actor   string
		signal  string
	}{
		fx.DemoResetPassword:  {record.KindM365Admin, false, "alice.smith@msp.example", "actor_context_id"},
		fx.DemoDeleteUser:     {record.KindM365Admin, true, "alice.smith@msp.example", "user_type"},
		fx.DemoSetMailbox:     {record.KindM365Admin, false, "user_2f6c8e1a9b3d4c5e8f7a6b5c4d3e2f1a@" + fx.DemoPartnerDomain, "token_tenant_id"},
		fx.DemoMailAccess:     {record.KindM365Mailbox, false, "alice.smith@msp.example", "token_tenant_id"},
		fx.DemoRemoveMailbox:  {record.KindM365Admin, true, `msp.example\bob.jones`, "user_type"},
		fx.DemoFileDeleted:    {record.KindM365Admin, true, "bob.jones@msp.example", "user_type"},
		fx.DemoLateRoleChange: {record.KindM365Admin, false, "alice.smith@msp.example", "user_type"},
	}
	if len(got) != len(want) {
		ids := make([]string, 0, len(got))
		for id := range got {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		t.Fatalf("kept %d records %v, want the %d partner records", len(got), ids, len(want))
	}
	for id, w := range want {
		ev := got[id]
		if ev == nil {
			t.Errorf("record %s not kept", id)
			continue
		}
		if ev.Kind != w.kind || ev.Removal != w.removal || ev.ActorRef != w.actor || ev.Attributes["partner_signal"] != w.signal {
			t.Errorf("record %s = kind %s removal %v actor %q signal %q; want %s %v %q %q",
				id, ev.Kind, ev.Removal, ev.ActorRef, ev.Attributes["partner_signal"], w.kind, w.removal, w.actor, w.signal)
		}
		if ev.Source != Name || ev.CustomerRef != fx.DemoContosoTenantID || ev.StartedAt.IsZero() || len(ev.Raw) == 0 {
			t.Errorf("record %s: source %q customer %q started %v raw %d bytes", id, ev.Source, ev.CustomerRef, ev.StartedAt, len(ev.Raw))
		}
	}
	if ev := got[fx.DemoFileDeleted]; ev != nil && ev.SourceIP != "203.0.113.11" {
		t.Errorf("SharePoint ClientIP with port: SourceIP = %q, want 203.0.113.11", ev.SourceIP)
	}
	if ev := got[fx.DemoMailAccess]; ev != nil && (ev.Attributes["mailbox_owner"] != "ceo@contoso.example" || ev.Attributes["operation_count"] != "12") {
		t.Errorf("mailbox access attributes = %v", ev.Attributes)
	}
	if n := e.srv.WithoutPublisher(); n != 0 {
		t.Errorf("%d requests without PublisherIdentifier", n)
	}
	// Audit.AzureActiveDirectory was subscribed already; the three others were started.
	if n := e.srv.Starts(); n != 3 {
		t.Errorf("%d subscription starts, want 3", n)
	}
	connectortest.MustContain(t, e.logs.String(), `"dropped":2`, `"repeated":1`)
}

func TestAudit_WindowsAtMost24Hours(t *testing.T) {
	for _, tt := range []struct {
		name   string
		window time.Duration
		want   int
	}{
		{"default 24h", 24 * time.Hour, 7},
		{"5h", 5 * time.Hour, 34},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil, func(c *config.O365Audit) { c.Window = duration.Duration(tt.window) })
			e.mustPull(t, "general", "")
			ls := e.srv.Listings()
			if len(ls) != tt.want {
				t.Fatalf("%d listings, want %d", len(ls), tt.want)
			}
			oldest := e.now.Add(-7*24*time.Hour + retentionMargin)
			if !ls[0].Start.Equal(oldest) || !ls[len(ls)-1].End.Equal(e.now) {
				t.Errorf("listings cover %s–%s, want %s–%s", ls[0].Start, ls[len(ls)-1].End, oldest, e.now)
			}
			for i, l := range ls {
				if d := l.End.Sub(l.Start); d <= 0 || d > tt.window {
					t.Errorf("listing %d spans %s", i, d)
				}
				if i > 0 && !l.Start.Equal(ls[i-1].End) {
					t.Errorf("listing %d starts %s, the one before ended %s", i, l.Start, ls[i-1].End)
				}
			}
		})
	}
}

func TestAudit_FollowsNextPage(t *testing.T) {
	for _, header := range []string{"NextPageUri", "NextPageUrl"} {
		t.Run(header, func(t *testing.T) {
			e := newEnv(t, &fx.Options{PageSize: 1, NextPageHeader: header}, nil)
			sink, _ := e.mustPull(t, "exchange", "")
			got := connectortest.ByID[*record.AccessEvent](sink.Records())
			for _, id := range []string{fx.DemoSetMailbox, fx.DemoMailAccess, fx.DemoRemoveMailbox} {
				if got[id] == nil {
					t.Errorf("record %s missing: the second page was not read", id)
				}
			}
			paged := 0
			for _, l := range e.srv.Listings() {
				if l.NextPage != "" {
					paged++
				}
			}
			if paged != 1 {
				t.Errorf("%d listings of a next page, want 1", paged)
			}
			if n := e.srv.WithoutPublisher(); n != 0 {
				t.Errorf("%d requests without PublisherIdentifier", n)
			}
		})
	}
}

func TestAudit_AF429IsRetried(t *testing.T) {
	e := newEnv(t, nil, nil)
	path := fx.ContentPath(fx.DemoContosoTenantID)
	e.srv.Throttle(path, 2)
	sink, _ := e.mustPull(t, "azureactivedirectory", "")
	if len(connectortest.ByID[*record.AccessEvent](sink.Records())) != 3 {
		t.Errorf("records %v, want the 3 partner records after the throttling passed", sink.IDs())
	}
	if n := e.srv.Requests(path); n != 7+2 {
		t.Errorf("%d listing requests, want 9 (7 windows, 2 of them throttled once)", n)
	}
}

func TestAudit_PersistentAF429IsThrottled(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.srv.Throttle(fx.ContentPath(fx.DemoContosoTenantID), 0)
	_, next, err := e.pull(t, "azureactivedirectory", fx.DemoContosoTenantID, "")
	if got := connectors.Classify(err); got != vocab.OutcomeThrottled {
		t.Fatalf("Classify(%v) = %q, want throttled", err, got)
	}
	connectortest.MustContain(t, err.Error(), "AF429", "still throttled")
	if n := e.srv.Requests(fx.ContentPath(fx.DemoContosoTenantID)); n != 3 {
		t.Errorf("%d requests, want 3 (one and max_retries 2)", n)
	}
	var cur auditCursor
	if err := json.Unmarshal([]byte(next), &cur); err != nil || !cur.From.Equal(e.now.Add(-7*24*time.Hour+retentionMargin)) {
		t.Errorf("cursor %s moved past the unread window", next)
	}
}

func TestAudit_LateAndDuplicateRecordsFoundOnceOnReread(t *testing.T) {
	e := newEnv(t, nil, nil)
	// The first pull runs two hours ago: the late blob is not listed yet.
	e.clock.set(e.now.Add(-2 * time.Hour))
	first, cursor := e.mustPull(t, "azureactivedirectory", "")
	if got := first.IDs(); slices.Contains(got, fx.DemoLateRoleChange) || len(got) != 2 {
		t.Fatalf("first pull handed over %v, want the 2 records published on time", got)
	}
	e.clock.set(e.now)
	second, _ := e.mustPull(t, "azureactivedirectory", cursor)
	if got := second.IDs(); !slices.Equal(got, []string{fx.DemoLateRoleChange}) {
		t.Errorf("second pull handed over %v, want only the late record", got)
	}
	for _, b := range e.ds.Tenant(fx.DemoContosoTenantID).Blobs {
		if b.ContentType == fx.AzureActiveDirectory {
			if n := e.srv.BlobFetches(b.ContentID); n != 1 {
				t.Errorf("blob %s fetched %d times, want 1", b.ContentID, n)
			}
		}
	}
	// The duplicated mailbox access, in two blobs, is handed over once.
	ex, _ := e.mustPull(t, "exchange", "")
	n := 0
	for _, id := range ex.IDs() {
		if id == fx.DemoMailAccess {
			n++
		}
	}
	if n != 1 {
		t.Errorf("duplicated record handed over %d times, want 1", n)
	}
}

func TestAudit_CursorKeepsSettleDelay(t *testing.T) {
	e := newEnv(t, nil, func(c *config.O365Audit) { c.SettleDelay = duration.Duration(6 * time.Hour) })
	_, next := e.mustPull(t, "sharepoint", "")
	var cur auditCursor
	if err := json.Unmarshal([]byte(next), &cur); err != nil {
		t.Fatalf("cursor %s: %v", next, err)
	}
	if want := e.now.Add(-6 * time.Hour); !cur.From.Equal(want) {
		t.Errorf("cursor from %s, want %s (now less the settle delay)", cur.From, want)
	}
	// The SharePoint blob is older than the settle delay: forgotten.
	if len(cur.Seen) != 0 {
		t.Errorf("cursor remembers %d blobs older than its start", len(cur.Seen))
	}
	e.mustPull(t, "sharepoint", next)
	last := e.srv.Listings()[len(e.srv.Listings())-1]
	if !last.Start.Equal(cur.From) {
		t.Errorf("next pull listed from %s, want %s", last.Start, cur.From)
	}
}

func TestAudit_FailingBlobLeavesCursor(t *testing.T) {
	e := newEnv(t, nil, nil)
	var blobs []*fx.Blob
	for _, b := range e.ds.Tenant(fx.DemoContosoTenantID).Blobs {
		if b.ContentType == fx.Exchange {
			blobs = append(blobs, b)
		}
	}
	failing := fx.BlobPath(fx.DemoContosoTenantID, blobs[1].ContentID)
	e.srv.Inject(fakehttp.Fault{Path: failing, Status: http.StatusInternalServerError})
	sink, next, err := e.pull(t, "exchange", fx.DemoContosoTenantID, "")
	if err == nil {
		t.Fatal("pull succeeded with a blob failing")
	}
	connectortest.MustContain(t, err.Error(), "reading blob "+blobs[1].ContentID, "HTTP 500")
	var cur auditCursor
	if err := json.Unmarshal([]byte(next), &cur); err != nil {
		t.Fatalf("cursor %s: %v", next, err)
	}
	if want := e.now.Add(-7*24*time.Hour + retentionMargin); !cur.From.After(want) || cur.From.After(blobs[1].Created) {
		t.Errorf("cursor from %s; want it past the empty windows and before the failing blob's %s", cur.From, blobs[1].Created)
	}
	if _, seen := cur.Seen[blobKey(blobs[1].ContentID)]; seen {
		t.Error("the failing blob is marked read")
	}
	if sink.LastCursor() != next {
		t.Error("the returned cursor is not the last one handed over")
	}
	e.srv.ClearFaults()
	again, _ := e.mustPull(t, "exchange", next)
	// The failed blob holds the mailbox access again (the service's duplicate, stored
	// once by its id) and the mailbox removal.
	if got := again.IDs(); !slices.Equal(got, []string{fx.DemoMailAccess, fx.DemoRemoveMailbox}) {
		t.Errorf("resumed pull handed over %v, want the failed blob's partner records only", got)
	}
	if n := e.srv.BlobFetches(blobs[0].ContentID); n != 1 {
		t.Errorf("the blob read before the failure was fetched %d times, want 1", n)
	}
}

func TestAudit_Refusals(t *testing.T) {
	tests := []struct {
		name    string
		tenant  string
		setup   func(e *env)
		outcome vocab.Outcome
		is      error
		says    []string
	}{
		{"auditing disabled", fx.DemoFabrikamTenantID, nil, vocab.OutcomeAuditingDisabled, nil,
			[]string{fx.DemoFabrikamTenantID, "unified audit logging is off"}},
		{"consent revoked", fx.DemoContosoTenantID, func(e *env) { e.entra.RevokeConsent(fx.DemoContosoTenantID) },
			vocab.OutcomeAccessDenied, entraauth.ErrConsent, []string{"AADSTS7000229"}},
		{"token refused", fx.DemoContosoTenantID, func(e *env) {
			e.srv.Inject(fakehttp.Fault{Path: fx.ListPath(fx.DemoContosoTenantID), Status: http.StatusUnauthorized, EchoCredentials: true})
		}, vocab.OutcomeAccessDenied, nil, []string{"ActivityFeed.Read", "HTTP 401"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil, nil)
			if tt.setup != nil {
				tt.setup(e)
			}
			_, next, err := e.pull(t, "exchange", tt.tenant, "")
			if got := connectors.Classify(err); got != tt.outcome {
				t.Fatalf("Classify(%v) = %q, want %q", err, got, tt.outcome)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want %v inside", err, tt.is)
			}
			connectortest.MustContain(t, err.Error(), tt.says...)
			if next != "" {
				t.Errorf("cursor %s after a refusal, want the empty one it started from", next)
			}
			mustNotLeak(t, "error", err.Error(), testSecret, "Bearer ey")
			mustNotLeak(t, "logs", e.logs.String(), testSecret, "Bearer ey")
		})
	}
}

func TestAudit_SubscriptionStartIsIdempotent(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.srv.HideSubscriptions(true)
	sink, _ := e.mustPull(t, "azureactivedirectory", "")
	if len(sink.IDs()) != 3 {
		t.Errorf("records %v after an already-enabled answer", sink.IDs())
	}
	if n := e.srv.Starts(); n != 1 {
		t.Errorf("%d starts, want 1 (answered AF20024)", n)
	}
	// A subscription stopped behind Custos's back is started again.
	e.srv.HideSubscriptions(false)
	e.srv.StopSubscription(fx.DemoContosoTenantID, fx.AzureActiveDirectory)
	e.mustPull(t, "azureactivedirectory", "")
	if !e.srv.Subscribed(fx.DemoContosoTenantID, fx.AzureActiveDirectory) || e.srv.Starts() != 2 {
		t.Errorf("subscription not started again after AF20022 (%d starts)", e.srv.Starts())
	}
}

func TestAudit_NoTokenOrSecretInLogsOrErrors(t *testing.T) {
	e := newEnv(t, nil, nil)
	e.srv.Inject(fakehttp.Fault{Path: fx.ContentPath(fx.DemoContosoTenantID), Status: http.StatusInternalServerError, EchoCredentials: true})
	_, _, err := e.pull(t, "azureactivedirectory", fx.DemoContosoTenantID, "")
	if err == nil {
		t.Fatal("pull succeeded against a failing server")
	}
	connectortest.MustContain(t, err.Error(), "HTTP 500", "[REDACTED]")
	e.conn.mu.Lock()
	tok := e.conn.lastToken[fx.DemoContosoTenantID]
	e.conn.mu.Unlock()
	if tok == "" {
		t.Fatal("no token was obtained")
	}
	mustNotLeak(t, "error", err.Error(), tok, testSecret)
	mustNotLeak(t, "logs", e.logs.String(), tok, testSecret)
}

func TestAudit_CursorBeyondRetentionWarns(t *testing.T) {
	e := newEnv(t, nil, nil)
	old := (&auditCursor{From: e.now.Add(-10 * 24 * time.Hour)}).encode()
	sink, _ := e.mustPull(t, "general", old)
	if len(sink.Warns) != 1 {
		t.Fatalf("warnings %v, want one about the lost content", sink.Warns)
	}
	connectortest.MustContain(t, sink.Warns[0].Error(), "beyond the 7 days")
	if first := e.srv.Listings()[0]; !first.Start.Equal(e.now.Add(-7*24*time.Hour + retentionMargin)) {
		t.Errorf("first listing starts %s, want the oldest the API serves", first.Start)
	}
}

func TestTenants_OrganizationPerTenant(t *testing.T) {
	e := newEnv(t, nil, nil)
	sink := &connectortest.Sink{}
	if _, err := e.stream(t, "tenants").Pull(t.Context(), connectors.Account, "", sink); err != nil {
		t.Fatal(err)
	}
	orgs := connectortest.ByID[*record.Organization](sink.Records())
	if len(orgs) != 2 || orgs[fx.DemoContosoTenantID] == nil || orgs[fx.DemoContosoTenantID].Name != "Contoso Ltd" {
		t.Errorf("organizations %v", sink.IDs())
	}
}

func TestCheck(t *testing.T) {
	e := newEnv(t, nil, nil)
	if err := e.conn.Check(t.Context()); err != nil {
		t.Fatalf("Check: %v", err)
	}
	// A revoked consent shows once the cached token is gone: a fresh connector.
	e = newEnv(t, nil, nil)
	e.entra.RevokeConsent(fx.DemoContosoTenantID)
	err := e.conn.Check(t.Context())
	if !errors.Is(err, entraauth.ErrConsent) {
		t.Fatalf("Check after the consent was revoked = %v, want ErrConsent", err)
	}
	connectortest.MustContain(t, err.Error(), "checking the connection", fx.DemoContosoTenantID)
}

// listedWindows are the windows of the fake's first-page listings since listing
// number from.
func listedWindows(e *env, from int) [][2]time.Time {
	var out [][2]time.Time
	for _, l := range e.srv.Listings()[from:] {
		if l.NextPage == "" {
			out = append(out, [2]time.Time{l.Start, l.End})
		}
	}
	return out
}

func TestAudit_CoversEveryWindowReadInFull(t *testing.T) {
	e := newEnv(t, nil, func(c *config.O365Audit) { c.SettleDelay = duration.Duration(6 * time.Hour) })
	sink, next := e.mustPull(t, "exchange", "")
	want := listedWindows(e, 0)
	if got := sink.Spans(); len(want) < 7 || !reflect.DeepEqual(got, want) {
		t.Errorf("windows = %v, want the %d listed: %v", got, len(want), want)
	}
	// The next pull reads the last six hours again, after the settle delay: a window
	// read again is still a window read.
	listed := len(e.srv.Listings())
	again, _ := e.mustPull(t, "exchange", next)
	want = [][2]time.Time{{e.now.Add(-6 * time.Hour), e.now}}
	if got := again.Spans(); !reflect.DeepEqual(got, want) || !reflect.DeepEqual(listedWindows(e, listed), want) {
		t.Errorf("re-read windows = %v (listed %v), want %v", got, listedWindows(e, listed), want)
	}
}

func TestAudit_FailingBlobCoversOnlyTheWindowsBefore(t *testing.T) {
	e := newEnv(t, nil, nil)
	var failing *fx.Blob
	for _, b := range e.ds.Tenant(fx.DemoContosoTenantID).Blobs {
		if b.ContentType == fx.Exchange {
			failing = b
		}
	}
	e.srv.Inject(fakehttp.Fault{Path: fx.BlobPath(fx.DemoContosoTenantID, failing.ContentID), Status: http.StatusInternalServerError})
	sink, _, err := e.pull(t, "exchange", fx.DemoContosoTenantID, "")
	if err == nil {
		t.Fatal("pull succeeded with a blob failing")
	}
	listed := listedWindows(e, 0)
	want := listed[:len(listed)-1]
	if got := sink.Spans(); len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("windows = %v, want those listed before the failing one: %v", got, want)
	}
	if last := listed[len(listed)-1]; failing.Created.Before(last[0]) || !failing.Created.Before(last[1]) {
		t.Errorf("the failing blob (%s) is not in the last window listed %v", failing.Created, last)
	}
}
