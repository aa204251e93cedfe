package store_test

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/seal"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// planted are the personal values TestPersonalData_SealedOnEveryWrite writes; none
// may be readable in the database.
var planted = []string{
	"dana.ortiz@msp.example", "Dana Ortiz", "dortiz", "192.0.2.201", "ceo@fabrikam.example",
	"Ravi Patel", "ravi.patel@fabrikam.example", "ticket T-4711 from Ravi", "revoked at Ravi's request",
	"no authorisation for Dana Ortiz", "finding about Dana Ortiz", "dana-helpdesk", "seen by Dana Ortiz",
	"8f1c2d3e-entra-oid-of-dana", "198.51.100.23", "token leaked by Dana",
}

// TestPersonalData_SealedOnEveryWrite writes personal values through every path
// that stores them (a pulled page, mapping's links and technicians, reconcile's
// decisions, findings inserted and updated, an authorisation recorded and revoked,
// a finding triaged), reads them back in clear through the store, then reads the
// database as bytes (SQLite's file and write-ahead log) or as text (every row of
// every PostgreSQL table): no planted value appears.
func TestPersonalData_SealedOnEveryWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		key := store.StreamKey{Connector: "dattormm", Stream: "activity", Scope: "account"}
		recs := []record.Record{
			&record.AccessEvent{Source: "dattormm", SourceID: "a1", Kind: record.KindRemoteSession, Action: "Connected",
				StartedAt: t0, ActorRef: "dortiz", ActorName: "Dana Ortiz", SourceIP: "192.0.2.201",
				Detail: "opened the mailbox of ceo@fabrikam.example"},
			&record.UserAccount{Source: "dattormm", SourceID: "dortiz", Name: "Dana Ortiz", Email: "dana.ortiz@msp.example"},
			&record.Contact{Source: "dattormm", SourceID: "c1", Name: "Ravi Patel", Email: "ravi.patel@fabrikam.example", Authorised: true},
		}
		if err := st.CommitPage(ctx, store.Page{Key: key, Records: recs, SeenAt: t0}); err != nil {
			t.Fatal(err)
		}
		err := st.ResolveIdentities(ctx, func(ids *store.Identities) error {
			tech := store.Technician{Name: "Dana Ortiz", Key: "dana ortiz", Email: "dana.ortiz@msp.example"}
			if err := ids.SaveTechnician(&tech); err != nil {
				return err
			}
			if err := ids.CreateLink(&store.Link{Source: "dattormm", Kind: store.LinkTechnician, SourceID: "dortiz", TargetID: tech.ID, Method: "manual"}); err != nil {
				return err
			}
			if found, err := ids.TechnicianByKey("dana ortiz"); err != nil || found.ID != tech.ID || found.Email != "dana.ortiz@msp.example" {
				t.Errorf("TechnicianByKey = %+v, %v; want technician %d in clear", found, err, tech.ID)
			}
			return ids.Propagate(store.LinkTechnician)
		})
		if err != nil {
			t.Fatal(err)
		}
		var event store.AccessEvent
		if err := storetest.DB(ctx, st).Take(&event).Error; err != nil {
			t.Fatal(err)
		}
		if event.TechnicianID == nil || event.ActorRef != "dortiz" || event.SourceIP != "192.0.2.201" {
			t.Errorf("event = technician %v, actor %q, address %q; want linked through the sealed reference and read in clear",
				event.TechnicianID, event.ActorRef, event.SourceIP)
		}
		if err := st.SaveDecisions(ctx, []store.DecisionUpdate{{EventID: event.ID, Decision: "no authorisation for Dana Ortiz"}}); err != nil {
			t.Fatal(err)
		}

		auth := store.Authorisation{AccessScope: "remote", ValidFrom: t0, TechnicianRef: "dana.ortiz@msp.example",
			GrantedBy: "Ravi Patel", GrantedByRef: "ravi.patel@fabrikam.example", Evidence: "ticket T-4711 from Ravi", RecordedBy: "dana-helpdesk"}
		auth.Source, auth.SourceID, auth.Stream, auth.Scope = "custos", "auth-1", "manual", "custos"
		if err := st.RecordAuthorisation(ctx, &auth); err != nil {
			t.Fatal(err)
		}
		if _, err := st.RevokeAuthorisation(ctx, auth.ID, t0.Add(time.Hour), "dana-helpdesk", "revoked at Ravi's request"); err != nil {
			t.Fatal(err)
		}

		scope := store.FindingScope{Rules: []string{"R1"}}
		finding := store.Finding{Rule: "R1", Fingerprint: "fp1", Subject: "dana-helpdesk", Severity: "high",
			Summary: "first summary", FirstSeen: t0, LastSeen: t0, Status: store.StatusOpen}
		for i, summary := range []string{"first summary", "finding about Dana Ortiz"} {
			err := st.RecordFindings(ctx, scope, t0, func(state store.FindingState) (store.FindingWrites, error) {
				finding.Summary = summary
				if i == 0 {
					opened := store.FindingEvent{Fingerprint: "fp1", At: t0, Actor: store.StatusBySystem, Action: "opened", Note: "seen by Dana Ortiz"}
					return store.FindingWrites{Insert: []store.Finding{finding}, History: []store.FindingEvent{opened}}, nil
				}
				finding.ID = state.Existing[0].ID
				return store.FindingWrites{Update: []store.Finding{finding}}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		_, _, err = st.TriageFinding(ctx, "fp1", func(f store.Finding) (store.Finding, store.FindingEvent, error) {
			f.Status, f.StatusBy, f.StatusReason = store.StatusAcknowledged, "custos-admin", "being looked at"
			return f, store.FindingEvent{At: t0, Actor: "custos-admin", Action: "acknowledged", Note: "asked Ravi Patel"}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var stored store.Finding
		if err := storetest.DB(ctx, st).Take(&stored).Error; err != nil || stored.Summary != "finding about Dana Ortiz" {
			t.Errorf("finding summary = %q, %v; want the updated summary in clear", stored.Summary, err)
		}

		console(t, st)

		text := databaseText(t, st)
		if !strings.Contains(text, seal.KeyID([]byte("custos-test-key-32-bytes-long!!!"))) {
			t.Fatalf("the database text holds no sealed value at all; the scan reads the wrong thing")
		}
		for _, p := range planted {
			if strings.Contains(text, p) {
				t.Errorf("%q is readable in the database", p)
			}
		}
	})
}

// console writes personal values through the console's records: an audit entry, a
// session, an API token created and revoked.
func console(t *testing.T, st *store.Store) {
	t.Helper()
	entry := store.AuditEntry{At: t0, Subject: "8f1c2d3e-entra-oid-of-dana", Name: "dana.ortiz@msp.example", Role: "admin",
		Via: "session", FromAddress: "198.51.100.23", Action: "finding.acknowledge", Target: "finding 1", Detail: "asked Ravi Patel"}
	if err := st.RecordAudit(ctx, &entry); err != nil {
		t.Fatal(err)
	}
	session := store.ConsoleSession{ID: "h", Subject: "8f1c2d3e-entra-oid-of-dana", Name: "Dana Ortiz", Role: "admin", Via: "session",
		CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), LastSeenAt: t0}
	if err := st.CreateSession(ctx, &session); err != nil {
		t.Fatal(err)
	}
	token := store.APIToken{Name: "ci", Role: "viewer", Hash: "h", CreatedBy: "Dana Ortiz", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := st.CreateToken(ctx, &token); err != nil {
		t.Fatal(err)
	}
	if err := st.RevokeToken(ctx, token.ID, t0, "dana-helpdesk", "token leaked by Dana"); err != nil {
		t.Fatal(err)
	}
	if got, err := st.AuditEntries(ctx, store.AuditFilter{}); err != nil || len(got) != 1 || got[0].FromAddress != "198.51.100.23" {
		t.Errorf("audit trail read back as %+v, %v; want the address in clear", got, err)
	}
}

// databaseText returns everything the database holds: SQLite's file and log as
// bytes, or every row of every PostgreSQL table as text.
func databaseText(t *testing.T, st *store.Store) string {
	t.Helper()
	db := storetest.DB(ctx, st)
	if db.Dialector.Name() != "postgres" {
		var path string
		if err := db.Raw("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path).Error; err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		for _, p := range []string{path, path + "-wal"} {
			b, err := os.ReadFile(p)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			out.Write(b)
		}
		return out.String()
	}
	var out strings.Builder
	for _, table := range store.Tables() {
		var rows []string
		if err := db.Raw("SELECT t::text FROM " + table.Name + " t").Scan(&rows).Error; err != nil {
			t.Fatalf("reading %s: %v", table.Name, err)
		}
		out.WriteString(strings.Join(rows, "\n"))
	}
	return out.String()
}
