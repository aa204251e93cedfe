package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReport_AgreesWithFindingsJSON renders each demo customer's report of the
// current month and checks its finding numbers against `custos findings --json`.
func TestReport_AgreesWithFindingsJSON(t *testing.T) {
	dir := t.TempDir()
	out, err := run(t, "demo", "--dir", dir)
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	for _, want := range []string{"Reports of ", filepath.Join(dir, "reports"), "-contoso-ltd-r1.pdf", "-contoso-ltd-r1.html"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	config := filepath.Join(dir, "custos.toml")
	now := time.Now().UTC()
	month := now.Format("2006-01")
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	all := findingsJSON(t, "--config", config, "findings", "--json")
	tests := []struct {
		customer, format string
		internal         bool
	}{
		{"Contoso Ltd", "html", false}, {"fabrikam inc", "pdf", false}, {"Northwind Traders", "pdf", true},
	}
	for _, tt := range tests {
		t.Run(tt.customer, func(t *testing.T) {
			out := t.TempDir()
			args := []string{"--config", config, "report", "--customer", tt.customer, "--month", month, "--format", tt.format, "--out", out}
			if tt.internal {
				args = append(args, "--internal")
			}
			printed, err := run(t, args...)
			if err != nil {
				t.Fatalf("report: %v\n%s", err, printed)
			}
			var opened, resolved, open int
			for _, f := range all {
				if !strings.EqualFold(f.Customer, tt.customer) {
					continue
				}
				if !f.Happened.Before(from) {
					opened++
				}
				if f.ResolvedAt != nil && !f.ResolvedAt.Before(from) {
					resolved++
				}
				if f.Status == "open" || f.Status == "acknowledged" {
					open++
				}
			}
			if opened == 0 {
				t.Fatalf("the demo gives %s no finding to compare", tt.customer)
			}
			want := fmt.Sprintf("findings: %d opened, %d resolved, %d open at the end", opened, resolved, open)
			if !strings.Contains(printed, want) {
				t.Errorf("report prints\n%s\nwant %q (from findings --json)", printed, want)
			}
			files, _ := filepath.Glob(filepath.Join(out, "*."+tt.format))
			if len(files) != 1 || !strings.Contains(printed, files[0]) || strings.Contains(files[0], "internal") != tt.internal {
				t.Fatalf("files written = %v, printed:\n%s", files, printed)
			}
			data, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			magic := map[string]string{"pdf": "%PDF-", "html": "<!DOCTYPE html>"}[tt.format]
			if !bytes.HasPrefix(data, []byte(magic)) {
				t.Errorf("%s does not start with %q", files[0], magic)
			}
		})
	}
}

func TestReport_BadArguments(t *testing.T) {
	dir := t.TempDir()
	if out, err := run(t, "demo", "--dir", dir); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	config := filepath.Join(dir, "custos.toml")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"report", "--month", "2026-10"}, `required flag(s) "customer" not set`},
		{[]string{"report", "--customer", "Contoso Ltd", "--format", "docx"}, `--format "docx": want html or pdf`},
		{[]string{"report", "--customer", "Contoso Ltd", "--month", "10/2026"}, "want YYYY-MM"},
		{[]string{"report", "--customer", "Nobody Inc"}, `--customer: no customer is called "Nobody Inc"`},
		{[]string{"report", "--customer", "Contoso Ltd", "--month", "2999-01"}, "has not started"},
		{[]string{"report", "--customer", "Contoso Ltd", "--month", "2020-01"}, "Custos holds no data for Contoso Ltd before "},
		{[]string{"report", "verify"}, "accepts 1 arg(s), received 0"},
		{[]string{"report", "verify", filepath.Join(dir, "no-such.pdf")}, "no such file"},
	}
	for _, tt := range tests {
		out, err := run(t, append([]string{"--config", config}, tt.args...)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want one containing %q\n%s", tt.args, err, tt.want, out)
		}
	}
}

// TestReportVerify_IntactAlteredUnknown verifies a demo report as written (exit 0),
// with one byte changed and a file the archive never held (exit 1 each).
func TestReportVerify_IntactAlteredUnknown(t *testing.T) {
	dir := t.TempDir()
	if out, err := run(t, "demo", "--dir", dir); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	config := filepath.Join(dir, "custos.toml")
	files, _ := filepath.Glob(filepath.Join(dir, "reports", "*", "*-contoso-ltd-r1.pdf"))
	if len(files) != 1 {
		t.Fatalf("demo reports: %v, want Contoso's PDF", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	month := filepath.Base(filepath.Dir(files[0]))
	altered := bytes.Clone(data)
	i := bytes.Index(altered, []byte("/Producer"))
	altered[i+1] ^= 0x20 // /producer
	tests := []struct {
		name string
		data []byte
		code int // 0: no error
		says []string
	}{
		{"as written", data, 0, []string{"INTACT: Contoso Ltd, " + month + ", customer variant, pdf, rendering r1", "matches its content"}},
		{"one byte changed", altered, 1, []string{"ALTERED: claims to be Contoso Ltd, " + month + ", customer variant, pdf, rendering r1", "does not match its content"}},
		{"unknown", []byte("%PDF-1.4 a report Custos never wrote"), 1, []string{"UNKNOWN: no archived report has this content", "prints no document hash"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "report.pdf")
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := run(t, "--config", config, "report", "verify", path)
			var exit exitError
			code := 0
			if errors.As(err, &exit) {
				code = exit.code
			} else if err != nil {
				code = -1
			}
			if code != tt.code {
				t.Errorf("exit = %v, want code %d\n%s", err, tt.code, out)
			}
			for _, want := range tt.says {
				if !strings.Contains(out, want) {
					t.Errorf("verify says\n%s\nwant %q", out, want)
				}
			}
		})
	}
}
