package console

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// reportedConsole is a synced console whose archive holds the demo's monthly reports.
func reportedConsole(t *testing.T) *testConsole {
	t.Helper()
	tc := syncedConsole(t)
	if _, err := tc.App.ReportJob().Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	return tc
}

func TestReports_DownloadAndVerifyTheArchivedFile(t *testing.T) {
	tc := reportedConsole(t)
	var list reportsPage
	getJSON(t, tc, "viewer", "/api/v1/reports?format=html", &list)
	if len(list.Reports) == 0 || list.Paging.Total != int64(len(list.Reports)) {
		t.Fatalf("archived HTML reports = %+v", list)
	}
	r := list.Reports[0]
	if r.Format != "html" {
		t.Errorf("?format=html listed a %s", r.Format)
	}
	body := tc.page(t, "/reports")
	if !strings.Contains(body, r.SHA256) || !strings.Contains(body, fmt.Sprintf(`href="/reports/%d/download"`, r.ID)) {
		t.Error("the page does not show the report's hash and a link to download it")
	}

	w := tc.do(t, "viewer", http.MethodGet, fmt.Sprintf("/reports/%d/download", r.ID), nil)
	sum := sha256.Sum256(w.Body.Bytes())
	if w.Code != http.StatusOK || hex.EncodeToString(sum[:]) != r.SHA256 || w.Header().Get("Content-Type") != "text/html; charset=utf-8" ||
		!strings.Contains(w.Header().Get("Content-Disposition"), r.FileName) {
		t.Fatalf("download: %d %v, hash %x, want the archived file hashing to %s", w.Code, w.Header(), sum, r.SHA256)
	}
	file := w.Body.Bytes()
	// Altered, it still prints the document hash of the rendering it was.
	altered := bytes.Replace(bytes.Clone(file), []byte("</body>"), []byte("<p>added</p></body>"), 1)

	for _, c := range []struct {
		name    string
		content []byte
		verdict string
	}{
		{"the archived file", file, verdictIntact},
		{"the file altered", altered, verdictAltered},
		{"another file", []byte("%PDF-1.4 not a report"), verdictUnknown},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := tc.post(t, "viewer", "/api/v1/reports/verify", nil, map[string]string{"r.html": string(c.content)})
			var v reportVerification
			if w.Code != http.StatusOK || json.Unmarshal(w.Body.Bytes(), &v) != nil || v.Verdict != c.verdict {
				t.Fatalf("verify: %d %s, want %s", w.Code, w.Body, c.verdict)
			}
			if c.verdict != verdictUnknown && (v.Report == nil || v.Report.ID != r.ID) {
				t.Errorf("verify says it is report %+v, want %d", v.Report, r.ID)
			}
			page := tc.post(t, "viewer", "/reports/verify", nil, map[string]string{"r.html": string(c.content)}).Body.String()
			if word := strings.ToUpper(c.verdict[:1]) + c.verdict[1:]; !strings.Contains(page, "<strong>"+word+":</strong>") {
				t.Errorf("the page does not say %s", word)
			}
		})
	}
	last := tc.Audit.all()[len(tc.Audit.all())-1]
	if !strings.HasPrefix(last.Target, "report file sha256 ") || last.Detail != verdictUnknown {
		t.Errorf("audit entry = %+v", last)
	}
}

func TestReports_ExportEvidenceAsAnAuditor(t *testing.T) {
	tc := reportedConsole(t)
	var list reportsPage
	getJSON(t, tc, "viewer", "/api/v1/reports", &list)
	r := list.Reports[0]
	w := tc.post(t, "auditor", "/reports/evidence", url.Values{"customer": {fmt.Sprint(r.CustomerID)}, "month": {r.Month}}, nil)
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/zip" {
		t.Fatalf("export: %d %v %s", w.Code, w.Header(), w.Body)
	}
	z, err := zip.NewReader(bytes.NewReader(w.Body.Bytes()), int64(w.Body.Len()))
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range z.File {
		names[f.Name] = true
	}
	if !names["findings.json"] || !names["authorisations.json"] {
		t.Errorf("the bundle holds %v", names)
	}
	if last := tc.Audit.all()[len(tc.Audit.all())-1]; last.Target != fmt.Sprintf("evidence of customer %d", r.CustomerID) || !strings.Contains(last.Detail, r.Month) {
		t.Errorf("audit entry = %+v", last)
	}
}

func TestReports_RefuseBadInputNamingTheField(t *testing.T) {
	tc := newTestConsole(t)
	for _, c := range []struct {
		target, field string
	}{
		{"/api/v1/reports?month=November", "month"},
		{"/api/v1/reports?format=docx", "format"},
		{"/api/v1/reports?variant=secret", "variant"},
		{"/api/v1/reports?customer=acme", "customer"},
		{"/api/v1/reports/x/download", "id"},
	} {
		if w := tc.do(t, "viewer", http.MethodGet, c.target, nil); w.Code != http.StatusBadRequest || errorOf(t, w).Field != c.field {
			t.Errorf("GET %s: %d %s, want 400 naming %s", c.target, w.Code, w.Body, c.field)
		}
	}
	if w := tc.do(t, "viewer", http.MethodGet, "/api/v1/reports/999/download", nil); w.Code != http.StatusNotFound {
		t.Errorf("downloading what is not archived: %d, want 404", w.Code)
	}
	if w := tc.post(t, "viewer", "/api/v1/reports/verify", url.Values{"x": {"1"}}, map[string]string{}); w.Code != http.StatusBadRequest || errorOf(t, w).Field != "file" {
		t.Errorf("verifying no file: %d %s, want 400 naming file", w.Code, w.Body)
	}
	for _, form := range []url.Values{{}, {"customer": {"1"}, "month": {"last"}}} {
		if w := tc.post(t, "auditor", "/api/v1/reports/evidence", form, nil); w.Code != http.StatusBadRequest {
			t.Errorf("exporting %v: %d %s, want 400", form, w.Code, w.Body)
		}
	}
}
