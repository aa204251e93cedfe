package reconcile_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/vocab"
)

// TestAccessCheck_AuthorisedAfterwards records the seeded authorisation, or a
// verified backup before the seeded removal, at various times around the access it
// covers: recorded after the access began (beyond the skew tolerance) it does not
// authorise it, and the access raises ACCESS-AUTHORISED-LATE instead of
// ACCESS-UNAUTHORISED or REMOVAL-WITHOUT-BACKUP.
func TestAccessCheck_AuthorisedAfterwards(t *testing.T) {
	day := now.Add(-48 * time.Hour).Truncate(24 * time.Hour)
	session := day.Add(10 * time.Hour)                // the seeded session Alice's authorisation covers
	removal := day.Add(10*time.Hour + 18*time.Minute) // the seeded removal on PC-042
	dayStr := func(at time.Time) string { return at.Format("2006-01-02 15:04") + " UTC" }
	cases := []struct {
		name   string
		skew   string // the rule's skew; "" is the default, 5m
		event  string
		auth   time.Time // when the authorisation was recorded; zero is unknown
		backup time.Time // when a verified backup of PC-042 was recorded; zero is none
		late   bool
		says   string
	}{
		{name: "recorded an hour after the access", event: "covered", auth: session.Add(time.Hour), late: true,
			says: "authorised afterwards: the authorisation in Autotask ticket T20261119.0001 (granted by Jane Doe) was recorded " + dayStr(session.Add(time.Hour)) +
				", an hour after the access began at " + dayStr(session)},
		{name: "recorded a minute before", event: "covered", auth: session.Add(-time.Minute), says: "covered by authorisation %d"},
		{name: "recorded within the skew", event: "covered", auth: session.Add(4 * time.Minute), says: "covered by authorisation %d"},
		{name: "recorded just beyond the skew", event: "covered", auth: session.Add(6 * time.Minute), late: true,
			says: "was recorded " + dayStr(session.Add(6*time.Minute)) + ", 6 minutes after the access began"},
		{name: "within a configured skew", skew: "15m", event: "covered", auth: session.Add(10 * time.Minute), says: "covered by authorisation %d"},
		{name: "beyond a configured skew of none", skew: "0s", event: "covered", auth: session.Add(time.Minute), late: true,
			says: "a minute after the access began"},
		{name: "recorded when unknown", event: "covered", says: "covered by authorisation %d"},
		{name: "backup recorded after the removal", event: "removal", backup: removal.Add(42 * time.Minute), late: true,
			says: "authorised afterwards: the verified backup of PC-042 profile (Veeam job 881) was recorded " + dayStr(removal.Add(42*time.Minute)) +
				", 42 minutes after the removal began at " + dayStr(removal)},
		{name: "backup recorded before the removal", event: "removal", backup: removal.Add(-time.Hour), says: "covered by verified backup %d"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := storetest.Open(t, "sqlite", nil)
			ids := seedAccess(t, st)
			db := storetest.DB(ctx, st)
			if err := db.Model(&store.Authorisation{}).Where("id = ?", ids["auth"]).
				Updates(map[string]any{"recorded_at": tc.auth, "evidence": "Autotask ticket T20261119.0001"}).Error; err != nil {
				t.Fatal(err)
			}
			cited := ids["auth"]
			if !tc.backup.IsZero() {
				cust, pc := ids["Contoso Ltd"], ids["PC-042"]
				b := store.VerifiedBackup{CustomerID: &cust, DeviceID: &pc, What: "PC-042 profile", TakenAt: removal.Add(-24 * time.Hour),
					VerifiedAt: removal.Add(-23 * time.Hour), VerifiedBy: "Alice Smith", Evidence: "Veeam job 881", RecordedAt: tc.backup}
				if err := db.Create(&b).Error; err != nil {
					t.Fatal(err)
				}
				cited = b.ID
			}
			cfg := config.Default()
			if tc.skew != "" {
				parsed, err := config.Parse("custos.toml", []byte("[rules.access_authorised_late]\nskew = \""+tc.skew+"\"\n"), reconcile.Check)
				if err != nil {
					t.Fatal(err)
				}
				cfg = *parsed
			}
			eng := &reconcile.Engine{Store: st, Log: zerolog.Nop(), Access: configured(t, &cfg).Access}
			if _, err := eng.Run(ctx, now); err != nil {
				t.Fatal(err)
			}
			var e store.AccessEvent
			if err := db.Where("source_id = ?", tc.event).Take(&e).Error; err != nil {
				t.Fatal(err)
			}
			says := strings.ReplaceAll(tc.says, "%d", strconv.FormatUint(uint64(cited), 10))
			lateBy := e.AuthorisedLateBy
			if !tc.backup.IsZero() {
				lateBy = e.LateBackupID
			}
			if (lateBy != nil && *lateBy == cited) != tc.late || (tc.late && (e.CoveredBy != nil || e.BackupID != nil)) || !strings.Contains(e.Decision, says) {
				t.Errorf("covered by %v, backup %v, late %v, late backup %v, decision %q; want late=%v saying %q",
					e.CoveredBy, e.BackupID, e.AuthorisedLateBy, e.LateBackupID, e.Decision, tc.late, says)
			}
			late, err := st.Findings(ctx, store.FindingFilter{Rule: reconcile.RuleAccessAuthorisedLate, Status: store.StatusOpen})
			if err != nil {
				t.Fatal(err)
			}
			if !tc.late {
				if len(late) != 0 {
					t.Errorf("ACCESS-AUTHORISED-LATE findings %q, want none", late[0].Summary)
				}
				return
			}
			if len(late) != 1 || late[0].Severity != vocab.Medium || late[0].Evidence != store.Ref[store.AccessEvent](e.ID) ||
				!strings.Contains(late[0].Summary, " on "+session.Format(time.DateOnly)+" ") || !strings.Contains(late[0].Summary, " authorised afterwards: ") ||
				!strings.Contains(late[0].Summary, strings.TrimPrefix(says, "authorised afterwards: ")) {
				t.Fatalf("ACCESS-AUTHORISED-LATE findings = %+v; want one, medium, citing event %d, saying %q", late, e.ID, says)
			}
			// An access authorised afterwards is not also unauthorised.
			for _, rule := range []string{reconcile.RuleAccessUnauthorised, reconcile.RuleRemovalWithoutBackup} {
				fs, err := st.Findings(ctx, store.FindingFilter{Rule: rule, Status: store.StatusOpen})
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range fs {
					if strings.Contains(","+f.Evidence+",", ","+store.Ref[store.AccessEvent](e.ID)+",") {
						t.Errorf("%s finding %q also cites the access", rule, f.Summary)
					}
				}
			}
		})
	}
}
