package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// TestSubject_ExportThenEraseDemoTechnician exports a demo technician, checks that
// the export holds every access, authorisation and finding the database ties to
// them, erases them, and then reads the database file's bytes: neither their names
// nor the sealed references to them are left; reconcile and a report still run,
// counting the same, and the erasure is recorded.
func TestSubject_ExportThenEraseDemoTechnician(t *testing.T) {
	config, db := demoStore(t)
	const alice = "alice.smith@msp.example"
	out := filepath.Join(t.TempDir(), "alice.json")
	mustRun(t, "--config", config, "subject", "export", alice, "--out", out)
	var export subjectExport
	body, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &export); err != nil {
		t.Fatalf("the export is not JSON: %v", err)
	}
	exported := map[string][]float64{}
	for _, s := range export.Sections {
		if len(s.Fields) == 0 || s.About == "" {
			t.Errorf("section %s says nothing of what its fields mean", s.Table)
		}
		for _, r := range s.Rows {
			exported[s.Table] = append(exported[s.Table], r.Key.(float64))
		}
	}

	st := openTestStore(t, db)
	var techID uint
	if err := storetest.DB(context.Background(), st).Model(&store.Technician{}).Where("email = ?", mustRef(t, st, alice)).Pluck("id", &techID).Error; err != nil || techID == 0 {
		t.Fatalf("finding the demo's Alice: %d, %v", techID, err)
	}
	for _, table := range []string{"access_events", "authorisations", "findings"} {
		var ids []float64
		if err := storetest.DB(context.Background(), st).Table(table).Where("technician_id = ?", techID).Order("id").Pluck("id", &ids).Error; err != nil {
			t.Fatal(err)
		}
		if len(ids) == 0 {
			t.Fatalf("the demo has no %s of Alice: the test checks nothing", table)
		}
		for _, id := range ids {
			if !slices.Contains(exported[table], id) {
				t.Errorf("%s %v is Alice's and not in the export (%v)", table, id, exported[table])
			}
		}
	}
	names := export.Identifiers
	var refs []string
	for _, n := range names {
		refs = append(refs, mustRef(t, st, n))
	}
	st.Close()
	if !containsAny(fileBytes(t, db), refs) {
		t.Fatalf("no sealed reference to Alice (%v) in the file before the erasure: the byte scan proves nothing", names)
	}
	before := demoReports(t, db, clock())

	erase := mustRun(t, "--config", config, "subject", "erase", alice, "--reason", "request DSAR-7", "--requested-by", "the DPO")
	if !strings.Contains(erase, "technician #") || !strings.Contains(erase, "access_events:") {
		t.Errorf("erase printed:\n%s", erase)
	}
	raw := fileBytes(t, db)
	for _, v := range append(slices.Clone(names), refs...) {
		if bytes.Contains(raw, []byte(v)) {
			t.Errorf("%q is still in the database file after the erasure", v)
		}
	}
	if found := mustRun(t, "--config", config, "subject", "find", alice); !strings.Contains(found, "no record is about them") {
		t.Errorf("after the erasure, find still finds:\n%s", found)
	}
	if rec := mustRun(t, "--config", config, "reconcile"); !strings.Contains(rec, "findings: 0 opened,") || !strings.Contains(rec, ", 0 resolved") {
		t.Errorf("reconcile after the erasure changed findings:\n%s", rec)
	}
	mustRun(t, "--config", config, "report", "--customer", "Contoso", "--out", t.TempDir())
	if after := demoReports(t, db, clock()); len(after) != len(before) {
		t.Errorf("reports after the erasure cover %d customer months, before %d", len(after), len(before))
	}

	st = openTestStore(t, db)
	defer st.Close()
	erasures, err := st.Erasures(context.Background())
	if err != nil || len(erasures) != 1 {
		t.Fatalf("erasures = %v, %v; want one", erasures, err)
	}
	e := erasures[0]
	if e.RequestedBy != "the DPO" || e.Reason != "request DSAR-7" || e.Pseudonym != store.TechnicianPseudonym(techID) || !strings.Contains(e.Counts, `"access_events"`) {
		t.Errorf("erasure record = %+v", e)
	}
	for _, n := range names {
		if strings.Contains(e.Counts+e.Pseudonym, n) {
			t.Errorf("the erasure record names %q", n)
		}
	}
}

func mustRef(t *testing.T, st *store.Store, v string) string {
	t.Helper()
	ref, err := st.PersonRef(v)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// fileBytes reads the SQLite database and its write-ahead log.
func fileBytes(t *testing.T, db string) []byte {
	t.Helper()
	var out []byte
	for _, name := range []string{db, db + "-wal"} {
		b, err := os.ReadFile(name)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		out = append(out, b...)
	}
	return out
}

func containsAny(b []byte, values []string) bool {
	return slices.ContainsFunc(values, func(v string) bool { return bytes.Contains(b, []byte(v)) })
}
