package explain_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/explain"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// TestExplain_AccessAuthorisedAfterwards explains an access event that an
// authorisation covers in advance, one an authorisation covers only afterwards, and
// a removal a verified backup covers only afterwards: each says its outcome, and only
// the late ones say "authorised afterwards" with when the evidence was recorded.
func TestExplain_AccessAuthorisedAfterwards(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 11, 19, 10, 0, 0, 0, time.UTC)
	st := storetest.Open(t, "sqlite", nil)
	db := storetest.DB(ctx, st)
	auth := store.Authorisation{Pulled: store.Pulled{Source: "autotask", SourceID: "note:1", Stream: "tickets", Scope: "account"},
		AccessScope: "remote", ValidFrom: start.Add(-time.Hour), Evidence: "Autotask ticket T20261119.0001", RecordedAt: start.Add(time.Hour)}
	backup := store.VerifiedBackup{What: "mailbox of j.doe", TakenAt: start.Add(-24 * time.Hour), VerifiedAt: start.Add(-23 * time.Hour),
		VerifiedBy: "Bob Jones", Evidence: "Veeam job 881", RecordedAt: start.Add(42 * time.Minute)}
	if err := db.Create(&auth).Error; err != nil {
		t.Fatal(err)
	}
	cust := uint(1)
	backup.CustomerID = &cust
	if err := db.Create(&backup).Error; err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		event store.AccessEvent
		want  []string
		not   string
	}{
		{"covered in advance", store.AccessEvent{CoveredBy: &auth.ID, Decision: "covered by authorisation " + itoa(auth.ID)},
			[]string{"decision covered by authorisation " + itoa(auth.ID), "authorisation " + itoa(auth.ID) + " remote for any technician"}, "afterwards"},
		{"authorised afterwards", store.AccessEvent{AuthorisedLateBy: &auth.ID, Decision: "authorised afterwards: authorisation " + itoa(auth.ID) + " was recorded …"},
			[]string{
				"outcome authorised afterwards by authorisation " + itoa(auth.ID) + ", recorded 2026-11-19 11:00 UTC, after the access began 2026-11-19 10:00 UTC",
				"authorisation " + itoa(auth.ID) + " remote for any technician on any device", "evidence Autotask ticket T20261119.0001",
			}, "covered by"},
		{"removal authorised afterwards by a backup", store.AccessEvent{Removal: true, LateBackupID: &backup.ID, Decision: "authorised afterwards: verified backup …"},
			[]string{
				"outcome authorised afterwards by verified backup " + itoa(backup.ID) + ", recorded 2026-11-19 10:42 UTC, after the removal began 2026-11-19 10:00 UTC",
				"verified backup " + itoa(backup.ID) + " mailbox of j.doe taken 2026-11-18 10:00 UTC, verified 2026-11-18 11:00 UTC by Bob Jones, evidence Veeam job 881",
			}, "covered by"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.event
			e.Pulled = store.Pulled{Source: "screenconnect", SourceID: "s" + itoa(uint(i)), Stream: "sessions", Scope: "account"}
			e.Kind, e.Action, e.StartedAt, e.CustomerID = "remote_session", "Connected", start, &cust
			if err := db.Create(&e).Error; err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			x := explain.Explainer{Store: st, Location: time.UTC}
			if err := x.Write(ctx, &out, explain.Ref{Event: e.ID}); err != nil {
				t.Fatal(err)
			}
			// Columns are padded to the widest label: compare words, not spaces.
			got := strings.Join(strings.Fields(out.String()), " ")
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("explanation lacks %q:\n%s", w, out.String())
				}
			}
			if strings.Contains(out.String(), tc.not) {
				t.Errorf("explanation says %q:\n%s", tc.not, out.String())
			}
		})
	}
}

func itoa(id uint) string { return strconv.FormatUint(uint64(id), 10) }
