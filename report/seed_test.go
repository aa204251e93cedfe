package report_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/vocab"
)

var ctx = context.Background()

// The fixed month of the tests: October 2026 in London, which changes from BST
// (UTC+1) to GMT on the 25th; the report is made on 2 November.
var (
	london   = mustZone("Europe/London")
	october  = time.Date(2026, 10, 1, 0, 0, 0, 0, london)
	november = time.Date(2026, 11, 1, 0, 0, 0, 0, london)
	now      = time.Date(2026, 11, 2, 6, 0, 0, 0, time.UTC)
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func at(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, london).UTC()
}

func ptr[T any](v T) *T { return &v }

func create(t *testing.T, st *store.Store, rows ...any) {
	t.Helper()
	for _, r := range rows {
		if err := storetest.DB(ctx, st).Create(r).Error; err != nil {
			t.Fatalf("creating %T: %v", r, err)
		}
	}
}

// seed writes Contoso's October (and what surrounds it, which the report must leave
// out) and returns Contoso.
func seed(t *testing.T, st *store.Store) store.Customer {
	t.Helper()
	contoso := &store.Customer{Name: "Contoso Ltd", Key: "contoso"}
	fabrikam := &store.Customer{Name: "Fabrikam Inc", Key: "fabrikam"}
	alice := &store.Technician{Name: "Alice Smith", Key: "alice smith"}
	bob := &store.Technician{Name: "Bob Jones", Key: "bob jones"}
	create(t, st, contoso, fabrikam, alice, bob)
	pc1 := &store.Device{Name: "CON-PC-001", CustomerID: &contoso.ID, HostKey: "con-pc-001"}
	pc2 := &store.Device{Name: "CON-PC-002", CustomerID: &contoso.ID, HostKey: "con-pc-002"}
	create(t, st, pc1, pc2)
	create(t, st,
		&store.Link{Source: "itglue", Kind: store.LinkCustomer, SourceID: "2519664", TargetID: contoso.ID, Method: "auto:created"},
		&store.Link{Source: "itglue", Kind: store.LinkCustomer, SourceID: "2519671", TargetID: fabrikam.ID, Method: "auto:created"},
	)
	auth := func(id string, tech *store.Technician, from, to time.Time, grantor, evidence string) *store.Authorisation {
		return &store.Authorisation{
			Pulled:      store.Pulled{Source: "autotask", SourceID: id, Stream: "tickets", Scope: "account"},
			AccessScope: "any", ValidFrom: from, ValidTo: &to, GrantedBy: grantor, Evidence: evidence,
			CustomerID: &contoso.ID, TechnicianID: &tech.ID,
		}
	}
	a1 := auth("t1", alice, at(10, 5, 8, 0), at(10, 5, 18, 0), "Jane Doe <jane@contoso.example>", "Autotask ticket T20261005.0001")
	a2 := auth("t2", bob, at(10, 26, 9, 0), at(10, 27, 17, 0), "Jane Doe <jane@contoso.example>", "Autotask ticket T20261026.0003")
	create(t, st, a1, a2)

	type ev struct {
		id        string
		customer  *store.Customer
		kind      string
		action    string
		start     time.Time
		tech      *store.Technician
		actor     string
		device    *store.Device
		deviceRef string
		covered   *store.Authorisation
		decision  string
	}
	events := []ev{
		// 1 October 00:30 in London is 30 September 23:30 UTC: inside the month.
		{"e01", contoso, "remote_session", "Connected", at(10, 1, 0, 30), bob, "", pc2, "", nil, "no authorisation of this customer for Bob Jones on CON-PC-002"},
		{"e02", contoso, "remote_session", "Connected", at(10, 5, 9, 15), alice, "", pc1, "", a1, "covered by authorisation 1"},
		{"e03", contoso, "command", "QueuedCommand", at(10, 5, 9, 40), alice, "", pc1, "", a1, "covered by authorisation 1"},
		{"e04", contoso, "command", "job/deployment", at(10, 12, 14, 0), alice, "", pc2, "", nil, "authorisation 1 ended 2026-10-05 17:00 UTC"},
		{"e05", contoso, "m365_admin", "Update user", at(10, 20, 11, 0), nil, "user_1a2b@partner.onmicrosoft.com", nil, "contoso.onmicrosoft.com", nil, "no authorisation of this customer"},
		// The day the clocks go back, and a covered session the next day.
		{"e06", contoso, "remote_session", "remote/jrto", at(10, 25, 1, 30), bob, "", pc2, "", nil, "no authorisation of this customer for Bob Jones on CON-PC-002"},
		{"e07", contoso, "remote_session", "Connected", at(10, 26, 10, 0), bob, "", pc2, "", a2, "covered by authorisation 2"},
		// Not yet reconciled.
		{"e08", contoso, "m365_mailbox", "MailItemsAccessed", at(10, 31, 23, 50), nil, "helpdesk-temp", nil, "", nil, ""}, // as the connectors store it: no device
		// Outside the month, or another customer's.
		// A user profile removed the day after a verified backup of the machine.
		{"e09", contoso, "command", "Remove profile", at(10, 14, 16, 0), alice, "", pc1, "", nil, "covered by verified backup 1"},
		{"x01", contoso, "remote_session", "Connected", at(9, 30, 23, 59), alice, "", pc1, "", nil, "x"},
		{"x02", contoso, "remote_session", "Connected", at(11, 1, 0, 0), alice, "", pc1, "", nil, "x"},
		{"x03", fabrikam, "remote_session", "Connected", at(10, 10, 10, 0), alice, "", nil, "FAB-SRV01", nil, "x"},
	}
	verified := &store.VerifiedBackup{CustomerID: &contoso.ID, DeviceID: &pc1.ID, What: "CON-PC-001 user profiles",
		TakenAt: at(10, 13, 18, 0), VerifiedAt: at(10, 14, 9, 0), VerifiedBy: "Alice Smith", Evidence: "Veeam job 881"}
	create(t, st, verified)
	ids := map[string]uint{}
	for _, e := range events {
		row := &store.AccessEvent{
			Pulled: store.Pulled{Source: "screenconnect", SourceID: e.id, Stream: "connections", Scope: "account"},
			Kind:   e.kind, Action: e.action, StartedAt: e.start, CustomerID: &e.customer.ID,
			ActorRef: e.actor, ActorName: e.actor, DeviceRef: e.deviceRef, SourceIP: "198.51.100.7", Decision: e.decision,
		}
		if e.tech != nil {
			row.TechnicianID, row.ActorName = &e.tech.ID, e.tech.Name
		}
		if e.device != nil {
			row.DeviceID, row.DeviceName = &e.device.ID, e.device.Name
		}
		if e.covered != nil {
			row.CoveredBy = &e.covered.ID
		}
		if e.id == "e09" {
			row.Removal, row.BackupID = true, &verified.ID
		}
		create(t, st, row)
		ids[e.id] = row.ID
	}
	evidence := func(names ...string) string {
		s := ""
		for i, n := range names {
			if i > 0 {
				s += ","
			}
			s += "access_events:" + strconv.FormatUint(uint64(ids[n]), 10)
		}
		return s
	}
	finding := func(fp, rule string, severity vocab.Severity, summary, ev string, first time.Time, status string, resolved *time.Time) *store.Finding {
		return &store.Finding{
			Rule: rule, Fingerprint: fp, Subject: fp, CustomerID: &contoso.ID, Severity: severity, Summary: summary,
			Evidence: ev, FirstSeen: first, LastSeen: now, Status: status, ResolvedAt: resolved,
			StatusBy: "custos", StatusReason: map[string]string{store.StatusResolved: "condition no longer holds"}[status],
		}
	}
	create(t, st,
		finding("f-access-1", "ACCESS-UNAUTHORISED", "high", "1 remote session by Bob Jones on CON-PC-002 on 2026-09-30 without authorisation", evidence("e01"), at(10, 1, 1, 0), store.StatusOpen, nil),
		finding("f-cmd", "COMMAND-UNAUTHORISED", "high", "1 command by Alice Smith on CON-PC-002 on 2026-10-12 without authorisation", evidence("e04"), at(10, 12, 15, 0), store.StatusAcknowledged, nil),
		finding("f-admin", "ACCESS-UNAUTHORISED", "high", "1 admin action by user_1a2b@partner.onmicrosoft.com on 2026-10-20", evidence("e05"), at(10, 20, 12, 0), store.StatusResolved, ptr(at(10, 28, 9, 0))),
		finding("f-access-2", "ACCESS-UNAUTHORISED", "high", "1 remote session by Bob Jones on CON-PC-002 on 2026-10-25 without authorisation", evidence("e06"), at(10, 25, 3, 0), store.StatusResolved, ptr(at(11, 1, 9, 0))),
		finding("f-fw", "CONFIG-BACKUP-MISSING", "high", "Firewall CON-FW01 has no configuration backup attached", "configurations:1", at(9, 2, 10, 0), store.StatusOpen, nil),
		finding("f-stale", "CONFIG-BACKUP-STALE", "medium", "Router CON-RTR01: newest backup is 120 days old", "configurations:2", at(9, 15, 10, 0), store.StatusResolved, ptr(at(10, 3, 10, 0))),
		finding("f-old", "AGENT-LINGERING", "medium", "support agent on CON-PC-001 still checked in", "", at(8, 1, 10, 0), store.StatusResolved, ptr(at(9, 10, 10, 0))),
		finding("f-nov", "AGENT-LINGERING", "medium", "support agent on CON-PC-002 still checked in", "", at(11, 1, 12, 0), store.StatusOpen, nil),
		finding("f-quiet", "GRANTOR-NOT-AUTHORISED", "low", "authorisation 9 was granted by Tom Reed", "", at(10, 9, 10, 0), store.StatusSuppressed, nil),
	)
	backup := func(id, file string, created time.Time) store.ConfigBackup {
		return store.ConfigBackup{Source: "itglue", SourceID: id, FileName: file, SourceCreatedAt: created}
	}
	config := func(id, name, typ string, customer *store.Customer, created time.Time, backups ...store.ConfigBackup) *store.Configuration {
		return &store.Configuration{
			Pulled: store.Pulled{Source: "itglue", SourceID: id, Stream: "configurations", Scope: "2519664"},
			Name:   name, TypeName: typ, CustomerID: &customer.ID, SourceCreatedAt: created, Backups: backups,
		}
	}
	create(t, st,
		config("c1", "CON-FW01", "Firewall", contoso, at(1, 10, 9, 0)),
		config("c2", "CON-RTR01", "Router", contoso, at(1, 10, 9, 0), backup("b1", "CON-RTR01-2026-05.cfg", at(5, 20, 9, 0))),
		config("c3", "CON-SW01", "Switch", contoso, at(1, 10, 9, 0),
			backup("b2", "CON-SW01-old.cfg", at(9, 1, 9, 0)), backup("b3", "CON-SW01-new.cfg", at(10, 14, 16, 30)),
			backup("b4", "CON-SW01-november.cfg", at(11, 1, 8, 0))),
		// Documented after October: not in October's report.
		config("c4", "CON-AP01", "Managed Network Device", contoso, at(11, 1, 9, 0)),
		config("c5", "FAB-FW01", "Firewall", fabrikam, at(1, 10, 9, 0)),
	)
	cov := func(connector, stream, scope string, start time.Time, outcome vocab.Outcome, records int, window ...time.Time) *store.Coverage {
		c := &store.Coverage{Connector: connector, Stream: stream, Scope: scope, StartedAt: start, FinishedAt: start.Add(time.Minute), Outcome: outcome, Records: records}
		if len(window) == 2 {
			c.WindowStart, c.WindowEnd = &window[0], &window[1]
		}
		return c
	}
	create(t, st,
		// ScreenConnect read October in windows, but not 10 to 14 October.
		cov("screenconnect", "connections", "account", at(10, 10, 0, 5), vocab.OutcomeOK, 4, at(9, 28, 0, 0), at(10, 10, 0, 0)),
		cov("screenconnect", "connections", "account", at(10, 14, 12, 0), "throttled", 0, at(10, 10, 0, 0), at(10, 14, 12, 0)),
		cov("screenconnect", "connections", "account", at(10, 14, 13, 0), vocab.OutcomeOK, 0, at(10, 14, 12, 0), at(10, 20, 0, 0)),
		cov("screenconnect", "connections", "account", at(11, 1, 0, 5), vocab.OutcomeOK, 3, at(10, 19, 23, 0), at(11, 1, 0, 0)),
		// IT Glue read Contoso's configurations as snapshots, once with access denied.
		cov("itglue", "configurations", "2519664", at(10, 2, 6, 0), vocab.OutcomeOK, 3),
		cov("itglue", "configurations", "2519664", at(10, 16, 6, 0), "access_denied", 0),
		cov("itglue", "configurations", "2519664", at(10, 30, 6, 0), vocab.OutcomeOK, 3),
		cov("itglue", "configurations", "2519671", at(10, 2, 6, 0), "failed", 0),
		// Datto RMM read Contoso in September and not since.
		cov("dattormm", "activity", "account", at(9, 20, 6, 0), vocab.OutcomeOK, 12, at(9, 19, 6, 0), at(9, 20, 6, 0)),
	)
	return *contoso
}
