package store_test

import (
	"context"
	"errors"
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
	return storetest.Count(t, st, model, where...)
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
