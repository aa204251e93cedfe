package reconcile_test

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/mapping"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// seedAccess stores Contoso with two machines, Alice and Bob, five accesses and two
// authorisations, all mapped; it returns the canonical ids by name.
func seedAccess(t *testing.T, st *store.Store) map[string]uint {
	t.Helper()
	day := now.Add(-48 * time.Hour).Truncate(24 * time.Hour) // two days ago, 00:00 UTC
	at := func(h float64) time.Time { return day.Add(time.Duration(h * float64(time.Hour))) }
	end := func(h float64) *time.Time { v := at(h); return &v }
	event := func(id, kind, actor, device string, start float64, stop *time.Time, removal bool) *record.AccessEvent {
		return &record.AccessEvent{Source: "screenconnect", SourceID: id, Kind: kind, Action: "x", StartedAt: at(start), EndedAt: stop,
			CustomerRef: "Contoso", ActorRef: actor, DeviceRef: device, Removal: removal}
	}
	recs := []record.Record{
		&record.Organization{Source: "itglue", SourceID: "1", Name: "Contoso Ltd", Status: "Active"},
		&record.Organization{Source: "screenconnect", SourceID: "Contoso", Name: "Contoso"},
		&record.Endpoint{Source: "screenconnect", SourceID: "s-42", CustomerRef: "Contoso", Hostname: "PC-042"},
		&record.Endpoint{Source: "screenconnect", SourceID: "s-51", CustomerRef: "Contoso", Hostname: "PC-051"},
		&record.UserAccount{Source: "dattormm", SourceID: "asmith", Name: "Alice Smith"},
		&record.UserAccount{Source: "dattormm", SourceID: "bjones", Name: "Bob Jones"},
		event("covered", record.KindRemoteSession, "Alice Smith", "s-42", 10, end(10.5), false),
		event("overran", record.KindRemoteSession, "Alice Smith", "s-42", 11, end(12.75), false), // grace ends 12:30
		event("after-end", record.KindRemoteSession, "Alice Smith", "s-42", 13, end(13.5), false),
		event("other-pc", record.KindRemoteSession, "Alice Smith", "s-51", 10.2, end(10.4), false),
		event("command", record.KindCommand, "Bob Jones", "s-42", 11.5, nil, false),
		event("removal", record.KindCommand, "Alice Smith", "s-42", 10.3, nil, true),
	}
	key := store.StreamKey{Connector: "test", Stream: "test", Scope: "all"}
	if err := st.CommitPage(ctx, store.Page{Key: key, Records: recs, SeenAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := mapping.Resolve(ctx, st, mapping.Options{CreateFrom: []string{"itglue"}}, now); err != nil {
		t.Fatal(err)
	}
	ids := map[string]uint{}
	for _, name := range []string{"Contoso Ltd"} {
		m, err := mapping.Lookup(ctx, st, store.LinkCustomer, name)
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = m.ID
	}
	for _, name := range []string{"Alice Smith", "Bob Jones"} {
		m, err := mapping.Lookup(ctx, st, store.LinkTechnician, name)
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = m.ID
	}
	for _, name := range []string{"PC-042", "PC-051"} {
		m, err := mapping.Lookup(ctx, st, store.LinkDevice, name)
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = m.ID
	}
	cust, alice, pc42 := ids["Contoso Ltd"], ids["Alice Smith"], ids["PC-042"]
	auths := []store.Authorisation{
		{Pulled: store.Pulled{Source: "register", SourceID: "r1", Stream: "register", Scope: "register", SeenAt: now},
			CustomerID: &cust, TechnicianID: &alice, DeviceID: &pc42, AccessScope: record.ScopeRemote, ValidFrom: at(9.5), ValidTo: end(12), GrantedBy: "Jane Doe"},
	}
	for i := range auths {
		if err := storetest.DB(ctx, st).Create(&auths[i]).Error; err != nil {
			t.Fatal(err)
		}
	}
	ids["auth"] = auths[0].ID
	return ids
}

func TestEngine_AccessDecisionsFindingsAndExclusions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ids := seedAccess(t, st)
		cfg := config.Default()
		cfg.Authorisations.Contacts = map[string][]string{"Contoso Ltd": {"jane doe"}}
		set := configured(t, &cfg)
		eng := &reconcile.Engine{Store: st, Rules: set.Rules, Log: zerolog.Nop(), Access: set.Access}
		res, err := eng.Run(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		if res.Events != 6 || res.Covered != 1 {
			t.Errorf("events %d covered %d, want 6 and 1", res.Events, res.Covered)
		}
		decisions := map[string]store.AccessEvent{}
		var events []store.AccessEvent
		storetest.DB(ctx, st).Find(&events)
		for _, e := range events {
			decisions[e.SourceID] = e
		}
		auth := ids["auth"]
		if c := decisions["covered"].CoveredBy; c == nil || *c != auth {
			t.Errorf("covered session: covered by %v, want authorisation %d", c, auth)
		}
		for id, says := range map[string]string{
			"overran":   "ended " + now.Add(-48*time.Hour).Truncate(24*time.Hour).Add(12*time.Hour).Format("2006-01-02 15:04") + " UTC, access ran until",
			"after-end": "UTC, before the access started " + now.Add(-48*time.Hour).Truncate(24*time.Hour).Add(13*time.Hour).Format("2006-01-02 15:04"),
			"other-pc":  "is for PC-042, access was on PC-051",
			"command":   "is for Alice Smith, access was by Bob Jones",
			"removal":   "allows remote sessions only; a removal needs an authorisation for removals",
		} {
			if d := decisions[id]; d.CoveredBy != nil || !strings.Contains(d.Decision, says) {
				t.Errorf("%s: covered by %v, decision %q; want uncovered saying %q", id, d.CoveredBy, d.Decision, says)
			}
		}

		count := func(status string) map[string]int {
			fs, err := st.Findings(ctx, store.FindingFilter{Status: status})
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]int{}
			for _, f := range fs {
				out[f.Rule]++
			}
			return out
		}
		want := map[string]int{reconcile.RuleAccessUnauthorised: 2, reconcile.RuleCommandUnauthorised: 1, reconcile.RuleRemovalWithoutBackup: 1}
		if got := count(store.StatusOpen); !maps.Equal(got, want) {
			t.Errorf("open findings by rule = %v, want %v (Jane Doe is a configured contact: no grantor finding)", got, want)
		}

		again, err := eng.Evaluate(ctx, now, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if again.Changed != 0 {
			t.Errorf("re-evaluating unchanged data changes %d decisions", again.Changed)
		}

		alice := ids["Alice Smith"]
		x := &store.Exclusion{Rule: reconcile.RuleAccessUnauthorised, TechnicianID: &alice, Reason: "onboarding week", Owner: "ops", ExpiresAt: now.Add(24 * time.Hour)}
		if err := st.AddExclusion(ctx, x, now); err != nil {
			t.Fatal(err)
		}
		if _, err := eng.Run(ctx, now); err != nil {
			t.Fatal(err)
		}
		if got := count(store.StatusSuppressed); got[reconcile.RuleAccessUnauthorised] != 2 {
			t.Errorf("suppressed = %v, want Alice's 2 ACCESS-UNAUTHORISED", got)
		}
		later := now.Add(48 * time.Hour)
		res, err = eng.Run(ctx, later)
		if err != nil {
			t.Fatal(err)
		}
		if got := count(store.StatusOpen); !maps.Equal(got, want) || res.Reopened != 2 {
			t.Errorf("after the exclusion expired: open %v, reopened %d; want %v and 2", got, res.Reopened, want)
		}
	})
}

func TestEngine_AccessFindingsResolveWhenTheCustomersEventsAreGone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seedAccess(t, st)
		eng := &reconcile.Engine{Store: st, Log: zerolog.Nop(), Access: configured(t, new(config.Default())).Access}
		first, err := eng.Run(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		if first.Opened != 4 {
			t.Fatalf("first run opened %d access findings, want 4", first.Opened)
		}
		// Retention deleted every access event of the customer: nothing is left to
		// check for it, and what it had raised no longer holds.
		if err := storetest.DB(ctx, st).Where("1 = 1").Delete(&store.AccessEvent{}).Error; err != nil {
			t.Fatal(err)
		}
		res, err := eng.Run(ctx, now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if res.Events != 0 || res.Resolved != 4 || len(openFindings(t, st)) != 0 {
			t.Errorf("after the events were gone: checked %d, resolved %d, open %d; want 0, 4, 0", res.Events, res.Resolved, len(openFindings(t, st)))
		}
	})
}

func TestAccessCheck_VerifiedBackupCoversARemoval(t *testing.T) {
	removal := now.Add(-48 * time.Hour).Truncate(24 * time.Hour).Add(10*time.Hour + 18*time.Minute) // the seeded removal's start
	day := 24 * time.Hour
	cases := []struct {
		name      string
		device    string // "" is a backup of no one device
		taken     time.Time
		verified  time.Time
		withdrawn bool
		covered   bool
		says      string
	}{
		{"backup of the device the day before", "PC-042", removal.Add(-day), removal.Add(-day + time.Hour), false, true, "covered by verified backup"},
		{"backup of no one device", "", removal.Add(-day), removal.Add(-time.Minute), false, true, "covered by verified backup"},
		{"exactly the maximum age", "PC-042", removal.Add(-7 * day), removal.Add(-7 * day), false, true, "covered by verified backup"},
		{"a minute older than that", "PC-042", removal.Add(-7*day - time.Minute), removal.Add(-day), false, false, "more than 1w before the removal"},
		{"another device's backup", "PC-051", removal.Add(-day), removal.Add(-day), false, false, "no verified backup of PC-042 recorded before it"},
		{"verified only after the removal", "PC-042", removal.Add(-day), removal.Add(time.Hour), false, false, "after the removal"},
		{"taken after the removal", "PC-042", removal.Add(time.Minute), removal.Add(time.Hour), false, false, "no verified backup of PC-042 recorded before it"},
		{"withdrawn", "PC-042", removal.Add(-day), removal.Add(-day), true, false, "no verified backup"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := storetest.Open(t, "sqlite", nil)
			ids := seedAccess(t, st)
			cust := ids["Contoso Ltd"]
			b := store.VerifiedBackup{CustomerID: &cust, What: "PC-042 profile", TakenAt: tc.taken, VerifiedAt: tc.verified,
				VerifiedBy: "Alice Smith", Evidence: "Veeam job 881"}
			if tc.device != "" {
				id := ids[tc.device]
				b.DeviceID = &id
			}
			if tc.withdrawn {
				at := removal.Add(-time.Hour)
				b.WithdrawnAt = &at
			}
			if err := storetest.DB(ctx, st).Create(&b).Error; err != nil {
				t.Fatal(err)
			}
			eng := &reconcile.Engine{Store: st, Log: zerolog.Nop(), Access: configured(t, new(config.Default())).Access}
			if _, err := eng.Run(ctx, now); err != nil {
				t.Fatal(err)
			}
			var e store.AccessEvent
			if err := storetest.DB(ctx, st).Where("source_id = ?", "removal").Take(&e).Error; err != nil {
				t.Fatal(err)
			}
			if got := e.BackupID != nil && *e.BackupID == b.ID; got != tc.covered || !strings.Contains(e.Decision, tc.says) {
				t.Errorf("backup %v, decision %q; want covered=%v saying %q", e.BackupID, e.Decision, tc.covered, tc.says)
			}
			fs, err := st.Findings(ctx, store.FindingFilter{Rule: reconcile.RuleRemovalWithoutBackup, Status: store.StatusOpen})
			if err != nil {
				t.Fatal(err)
			}
			if (len(fs) == 0) != tc.covered {
				t.Errorf("%d open REMOVAL-WITHOUT-BACKUP findings, covered=%v", len(fs), tc.covered)
			}
		})
	}
}

// TestEngine_RunScope checks that a run scoped to some customers (or to those changed
// since the last run: none here) checks only their access events, and leaves the access findings of the others as they are rather
// than resolving them as if those customers had no events.
func TestEngine_RunScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ids := seedAccess(t, st)
		cfg := config.Default()
		set := configured(t, &cfg)
		eng := &reconcile.Engine{Store: st, Rules: set.Rules, Log: zerolog.Nop(), Access: set.Access}
		openAccess := func() int {
			fs, err := st.Findings(ctx, store.FindingFilter{Status: "open"})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, f := range fs {
				if f.Rule == "ACCESS-UNAUTHORISED" || f.Rule == "COMMAND-UNAUTHORISED" || f.Rule == "REMOVAL-WITHOUT-BACKUP" {
					n++
				}
			}
			return n
		}
		full, err := eng.Run(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		before := openAccess()
		if full.Events != 6 || before == 0 {
			t.Fatalf("full run: %d events, %d open access findings; want 6 and some", full.Events, before)
		}
		for _, tc := range []struct {
			name   string
			scope  reconcile.Scope
			events int
		}{
			{"another customer", reconcile.Scope{Customers: []uint{ids["Contoso Ltd"] + 1000}}, 0},
			{"the customer", reconcile.Scope{Customers: []uint{ids["Contoso Ltd"]}}, 6},
			{"every customer", reconcile.Scope{Full: true}, 6},
			{"the customers changed since: none", reconcile.Scope{}, 0},
		} {
			res, err := eng.RunScope(ctx, now, tc.scope)
			if err != nil {
				t.Fatal(err)
			}
			if res.Events != tc.events || res.Resolved != 0 {
				t.Errorf("%s (%s): %d events checked, %d findings resolved; want %d and 0", tc.name, tc.scope, res.Events, res.Resolved, tc.events)
			}
			if got := openAccess(); got != before {
				t.Errorf("%s: %d open access findings after the run, want %d as before", tc.name, got, before)
			}
		}
	})
}
