package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/report"
)

// TestEvidence_ExportThenVerify exports three months of a demo customer, checks that
// the current month's bundle holds its accesses and reports, and verifies with the
// public key alone: intact bundles pass; one with a byte of a file changed, and a
// series with its middle month removed, fail naming what is wrong.
func TestEvidence_ExportThenVerify(t *testing.T) {
	config, _ := demoStore(t)
	dir := filepath.Dir(config)
	out := t.TempDir()
	now := report.Month{Year: clock().UTC().Year(), Month: clock().UTC().Month()}
	var bundles []string
	for back := 2; back >= 0; back-- {
		first, _ := now.Bounds(time.UTC)
		m := first.AddDate(0, -back, 0)
		month := report.Month{Year: m.Year(), Month: m.Month()}.String()
		printed := mustRun(t, "--config", config, "evidence", "export", "--customer", "Contoso", "--month", month, "--out", out)
		path := strings.TrimSpace(strings.SplitN(printed, "\n", 2)[0])
		if back < 2 && !strings.Contains(printed, "follows ") {
			t.Errorf("the bundle of %s does not follow the month before:\n%s", month, printed)
		}
		bundles = append(bundles, path)
	}
	pub := filepath.Join(dir, "evidence.key.pub")

	current := readZip(t, bundles[2])
	var accesses []map[string]any
	if err := json.Unmarshal(current["accesses.json"], &accesses); err != nil || len(accesses) == 0 {
		t.Fatalf("the current month's accesses: %d, %v", len(accesses), err)
	}
	reports := 0
	for name := range current {
		if strings.HasPrefix(name, "reports/") {
			reports++
		}
	}
	if reports == 0 {
		t.Errorf("the current month's bundle holds no rendered report: %v", keys(current))
	}

	verify := func(paths ...string) (string, error) {
		return run(t, append(append([]string{"evidence", "verify"}, paths...), "--public-key", pub)...)
	}
	if got, err := verify(bundles...); err != nil || strings.Count(got, ": intact:") != 3 {
		t.Errorf("verify of the three months = %v:\n%s", err, got)
	}

	changed := filepath.Join(t.TempDir(), "changed.zip")
	writeZip(t, changed, current, func(name string, data []byte) []byte {
		if name == "accesses.json" {
			data = bytes.Clone(data)
			data[len(data)/2] ^= 1
		}
		return data
	})
	if got, err := verify(changed); err == nil || !strings.Contains(got, "accesses.json was changed") {
		t.Errorf("verify of a changed file = %v:\n%s", err, got)
	}
	if got, err := verify(bundles[0], bundles[2]); err == nil || !strings.Contains(got, "which is missing here") {
		t.Errorf("verify of a series without its middle month = %v:\n%s", err, got)
	}
}

func readZip(t *testing.T, path string) map[string][]byte {
	t.Helper()
	r, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out := map[string][]byte{}
	for _, f := range r.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func writeZip(t *testing.T, path string, files map[string][]byte, change func(string, []byte) []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for name, data := range files {
		fw, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(change(name, data))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
