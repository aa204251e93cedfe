package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

var (
	ctx  = context.Background()
	t0   = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	keyC = store.StreamKey{Connector: "itglue", Stream: "configurations", Scope: "100"}
)

func config(id string, backups ...string) *record.Configuration {
	c := &record.Configuration{Source: "itglue", SourceID: id, CustomerRef: "100", Name: "dev-" + id, TypeName: "Firewall"}
	for _, b := range backups {
		c.Backups = append(c.Backups, record.Backup{SourceID: b, FileName: b + ".conf", Size: 10, CreatedAt: t0})
	}
	return c
}

func commit(t *testing.T, st *store.Store, cursor string, seen time.Time, recs ...record.Record) {
	t.Helper()
	if err := st.CommitPage(ctx, store.Page{Key: keyC, Records: recs, Cursor: cursor, SeenAt: seen}); err != nil {
		t.Fatalf("CommitPage: %v", err)
	}
}

func backupFiles(t *testing.T, st *store.Store, sourceID string) []string {
	t.Helper()
	var files []string
	err := storetest.DB(ctx, st).Model(&store.ConfigBackup{}).
		Joins("JOIN configurations ON configurations.id = config_backups.configuration_id").
		Where("configurations.source_id = ?", sourceID).Order("config_backups.file_name").
		Pluck("config_backups.file_name", &files).Error
	if err != nil {
		t.Fatal(err)
	}
	return files
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

func TestCommitPage_UpsertsWithoutDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		commit(t, st, "p2", t0, config("1", "a"), config("2"))
		renamed := config("1", "a")
		renamed.Name = "renamed"
		commit(t, st, "p3", t0.Add(time.Hour), renamed, config("2"))

		if n := count(t, st, &store.Configuration{}); n != 2 {
			t.Errorf("configurations = %d, want 2", n)
		}
		if n := count(t, st, &store.ConfigBackup{}); n != 1 {
			t.Errorf("backups = %d, want 1", n)
		}
		var got store.Configuration
		if err := storetest.DB(ctx, st).Where("source_id = ?", "1").Take(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got.Name != "renamed" || !got.SeenAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("row not updated: name %q seen %v", got.Name, got.SeenAt)
		}
		cp, err := st.Checkpoint(ctx, keyC)
		if err != nil || cp.Cursor != "p3" {
			t.Errorf("checkpoint = %q, %v; want p3", cp.Cursor, err)
		}
	})
}

func TestCommitPage_ReplacesBackupSet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		commit(t, st, "", t0, config("1", "a", "b"))
		commit(t, st, "", t0, config("1", "b", "c"))
		if got := strings.Join(backupFiles(t, st, "1"), ","); got != "b.conf,c.conf" {
			t.Errorf("backups = %s, want b.conf,c.conf", got)
		}
		commit(t, st, "", t0, config("1"))
		if got := backupFiles(t, st, "1"); len(got) != 0 {
			t.Errorf("backups after all removed = %v, want none", got)
		}
	})
}

func TestCommitPage_UnknownRecordStoresNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		commit(t, st, "p1", t0, config("1"))
		err := st.CommitPage(ctx, store.Page{Key: keyC, Records: []record.Record{config("2"), unknownRecord{}}, Cursor: "p2", SeenAt: t0})
		if err == nil {
			t.Fatal("CommitPage accepted a record type with no table")
		}
		if n := count(t, st, &store.Configuration{}); n != 1 {
			t.Errorf("configurations = %d after a failed page, want 1", n)
		}
		if cp, _ := st.Checkpoint(ctx, keyC); cp.Cursor != "p1" {
			t.Errorf("cursor moved to %q on a failed page", cp.Cursor)
		}
	})
}

type unknownRecord struct{}

func (unknownRecord) RecordKey() record.Key { return record.Key{Source: "x", SourceID: "1"} }

func TestCompleteSnapshot_MarksUnseenRemovedAndRestoresSeen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		commit(t, st, "", t0, config("1"), config("2"))
		pull2 := t0.Add(time.Hour)
		commit(t, st, "", pull2, config("1"))
		removed, err := st.CompleteSnapshot(ctx, keyC, pull2, "")
		if err != nil || removed != 1 {
			t.Fatalf("CompleteSnapshot = %d, %v; want 1 removed", removed, err)
		}
		if n := count(t, st, &store.Configuration{}, "removed_at IS NOT NULL AND source_id = ?", "2"); n != 1 {
			t.Error("configuration 2 not marked removed")
		}
		if n := count(t, st, &store.Configuration{}, "removed_at IS NOT NULL AND source_id = ?", "1"); n != 0 {
			t.Error("configuration 1 marked removed though it was seen")
		}
		commit(t, st, "", t0.Add(2*time.Hour), config("2"))
		if n := count(t, st, &store.Configuration{}, "removed_at IS NOT NULL"); n != 0 {
			t.Error("a row seen again is still marked removed")
		}
		other := store.StreamKey{Connector: "itglue", Stream: "configurations", Scope: "999"}
		if removed, _ := st.CompleteSnapshot(ctx, other, t0.Add(3*time.Hour), ""); removed != 0 {
			t.Errorf("snapshot of another scope removed %d rows", removed)
		}
	})
}

func TestCheckpoint_KeepsPullStart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		cp, err := st.Checkpoint(ctx, keyC)
		if err != nil || cp.Cursor != "" || cp.PullStartedAt != nil {
			t.Fatalf("fresh checkpoint = %+v, %v", cp, err)
		}
		start := t0
		if err := st.CommitPage(ctx, store.Page{Key: keyC, Cursor: `{"page":2}`, PullStartedAt: &start, SeenAt: t0}); err != nil {
			t.Fatal(err)
		}
		cp, _ = st.Checkpoint(ctx, keyC)
		if cp.Cursor != `{"page":2}` || cp.PullStartedAt == nil || !cp.PullStartedAt.Equal(t0) {
			t.Errorf("checkpoint = %+v", cp)
		}
		if _, err := st.CompleteSnapshot(ctx, keyC, t0, ""); err != nil {
			t.Fatal(err)
		}
		cp, _ = st.Checkpoint(ctx, keyC)
		if cp.Cursor != "" || cp.PullStartedAt != nil {
			t.Errorf("checkpoint after completion = %+v, want reset", cp)
		}
	})
}

func TestApplyFindings_Lifecycle(t *testing.T) {
	in := func(fp string) store.FindingInput {
		return store.FindingInput{Rule: "R1", Fingerprint: fp, Subject: "s-" + fp, Severity: "high", Summary: "about " + fp}
	}
	status := func(t *testing.T, st *store.Store, fp string) string {
		var f store.Finding
		if err := storetest.DB(ctx, st).Where("fingerprint = ?", fp).Take(&f).Error; err != nil {
			t.Fatal(err)
		}
		return f.Status
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		steps := []struct {
			name  string
			rules []string
			found []store.FindingInput
			want  store.ApplyResult
			stat  map[string]string
		}{
			{"open two", []string{"R1"}, []store.FindingInput{in("a"), in("b")}, store.ApplyResult{Opened: 2}, map[string]string{"a": "open", "b": "open"}},
			{"same again", []string{"R1"}, []store.FindingInput{in("a"), in("b"), in("a")}, store.ApplyResult{Updated: 2}, map[string]string{"a": "open", "b": "open"}},
			{"b clears", []string{"R1"}, []store.FindingInput{in("a")}, store.ApplyResult{Updated: 1, Resolved: 1}, map[string]string{"a": "open", "b": "resolved"}},
			{"rule not evaluated", []string{"R2"}, nil, store.ApplyResult{}, map[string]string{"a": "open", "b": "resolved"}},
			{"b returns", []string{"R1"}, []store.FindingInput{in("a"), in("b")}, store.ApplyResult{Updated: 1, Reopened: 1}, map[string]string{"a": "open", "b": "open"}},
		}
		for i, s := range steps {
			got, err := st.ApplyFindings(ctx, s.rules, s.found, t0.Add(time.Duration(i)*time.Hour))
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if got != s.want {
				t.Errorf("%s: result %+v, want %+v", s.name, got, s.want)
			}
			for fp, want := range s.stat {
				if got := status(t, st, fp); got != want {
					t.Errorf("%s: finding %s is %s, want %s", s.name, fp, got, want)
				}
			}
		}
		if n := count(t, st, &store.Finding{}); n != 2 {
			t.Errorf("findings = %d, want 2 (no duplicates)", n)
		}
		var a store.Finding
		_ = storetest.DB(ctx, st).Where("fingerprint = ?", "a").Take(&a).Error
		if !a.FirstSeen.Equal(t0) || !a.LastSeen.Equal(t0.Add(4*time.Hour)) {
			t.Errorf("finding a first/last seen = %v/%v", a.FirstSeen, a.LastSeen)
		}
	})
}

// xorSealer is a stand-in Sealer that makes sealed text differ from clear text.
type xorSealer struct{}

func (xorSealer) Seal(p, ad []byte) (string, error) {
	return "x:" + string(ad) + ":" + strings.ToUpper(string(p)), nil
}

func (xorSealer) Open(s string, ad []byte) ([]byte, error) {
	rest, ok := strings.CutPrefix(s, "x:"+string(ad)+":")
	if !ok {
		return nil, errors.New("wrong field")
	}
	return []byte(strings.ToLower(rest)), nil
}

func TestRawPayloads_SealedAtRest(t *testing.T) {
	st := storetest.Open(t, "sqlite", xorSealer{})
	c := config("1", "a")
	c.Raw = []byte(`{"name":"fw01"}`)
	c.Backups[0].Raw = []byte(`{"file":"a"}`)
	commit(t, st, "", t0, c)
	var row store.Configuration
	if err := storetest.DB(ctx, st).Take(&row).Error; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(row.Raw, `"name":"fw01"`) {
		t.Fatalf("raw payload stored in clear: %s", row.Raw)
	}
	clear, err := st.OpenRaw(row.Raw, "configurations")
	if err != nil || string(clear) != `{"name":"fw01"}` {
		t.Errorf("OpenRaw = %q, %v", clear, err)
	}
	if _, err := st.OpenRaw(row.Raw, "config_backups"); err == nil {
		t.Error("a raw payload opened as another table's field")
	}

	plain := storetest.Open(t, "sqlite", nil)
	commit(t, plain, "", t0, c)
	if n := count(t, plain, &store.Configuration{}, "raw <> ''"); n != 0 {
		t.Error("raw payload kept without a sealing key")
	}
}

func TestApplyCustomerFindings_LeavesOtherCustomersAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		a, b := uint(1), uint(2)
		in := func(fp string, customer *uint) store.FindingInput {
			return store.FindingInput{Rule: "R1", Fingerprint: fp, Subject: fp, CustomerID: customer, Severity: "high", Summary: fp}
		}
		if _, err := st.ApplyFindings(ctx, []string{"R1"}, []store.FindingInput{in("a1", &a), in("a2", &a), in("b1", &b)}, t0); err != nil {
			t.Fatal(err)
		}
		got, err := st.ApplyCustomerFindings(ctx, []string{"R1"}, a, []store.FindingInput{in("a1", &a), in("a3", &a)}, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if want := (store.ApplyResult{Opened: 1, Updated: 1, Resolved: 1}); got != want {
			t.Errorf("result %+v, want %+v (a2 resolves, b1 is another customer's)", got, want)
		}
		if _, err := st.ApplyCustomerFindings(ctx, []string{"R1"}, a, []store.FindingInput{in("b1", &b)}, t0.Add(2*time.Hour)); err == nil {
			t.Error("a finding of customer 2 was accepted in an evaluation of customer 1")
		}
		open, err := st.CustomersWithFindings(ctx, []string{"R1"})
		if err != nil || len(open) != 2 {
			t.Errorf("customers with findings = %v, %v; want [1 2]", open, err)
		}
		var b1 store.Finding
		if err := storetest.DB(ctx, st).Where("fingerprint = ?", "b1").Take(&b1).Error; err != nil || b1.Status != store.StatusOpen || !b1.LastSeen.Equal(t0) {
			t.Errorf("customer 2's finding = %s last seen %v, %v; want open and untouched", b1.Status, b1.LastSeen, err)
		}
	})
}

func TestTable_RefAndIDsRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		table    store.Table
		id       uint
		ref      string
		evidence string
		ids      []uint
	}{
		{"configuration", store.TableOf[store.Configuration](), 12, "configurations:12", "configurations:12,config_backups:3", []uint{12}},
		{"access events among others", store.TableOf[store.AccessEvent](), 7, "access_events:7", "relationships:1,access_events:7,access_events:9", []uint{7, 9}},
		{"coverage", store.TableOf[store.Coverage](), 1, "coverages:1", "coverages:x,coverages:1", []uint{1}},
		{"none cited", store.TableOf[store.Agent](), 3, "agents:3", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.table.Ref(tt.id); got != tt.ref {
				t.Errorf("Ref(%d) = %q, want %q", tt.id, got, tt.ref)
			}
			if got := tt.table.IDs(tt.evidence); !slices.Equal(got, tt.ids) {
				t.Errorf("IDs(%q) = %v, want %v", tt.evidence, got, tt.ids)
			}
		})
	}
	if got := store.Ref[store.Relationship](4); got != "relationships:4" {
		t.Errorf("Ref[Relationship](4) = %q", got)
	}
}
