package console

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

	"github.com/custos-msp/custos/app"
	"github.com/custos-msp/custos/report"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/web/auth"
)

// reportsPage is the archive of monthly reports, with the verify and evidence forms.
type reportsPage struct {
	Reports []app.ReportRow `json:"reports"`
	Paging  pageInfo        `json:"paging"`
	// Customers are the filter's and the evidence form's choices; Filter the query;
	// CanExport whether the person may export evidence.
	Customers []app.CustomerChoice `json:"-"`
	Filter    reportFilter         `json:"-"`
	CanExport bool                 `json:"-"`
}

// reportFilter is the archive's filter as the request gives it.
type reportFilter struct {
	Customer               uint
	Month, Format, Variant string
}

func (reportsPage) PageTitle() (string, string) { return "Reports archive", "reports" }

// reportVerification is what verifying a report file found: its hashes, whether it
// is byte for byte an archived rendering (intact), claims to be one it is not
// (altered), or is unknown, and which rendering it is or claims to be.
type reportVerification struct {
	FileName string `json:"file_name"`
	// Verdict is intact, altered or unknown.
	Verdict string `json:"verdict"`
	SHA256  string `json:"sha256"`
	// Printed is the document hash the file prints, SelfConsistent whether the file
	// still hashes to it.
	Printed        string         `json:"printed_sha256,omitempty"`
	SelfConsistent bool           `json:"self_consistent"`
	Report         *app.ReportRow `json:"report,omitempty"`
}

func (reportVerification) PageTitle() (string, string) { return "Report verified", "reports" }

// The verdicts of a verification.
const (
	verdictIntact  = "intact"
	verdictAltered = "altered"
	verdictUnknown = "unknown"
)

// maxReportFile bounds an uploaded report file.
const maxReportFile = maxForm

func (c *Console) reportsRoutes() []route {
	return []route{
		{Method: http.MethodGet, Pattern: "/reports", Name: "listReports", Need: auth.Viewer, Template: "reports", Do: c.listReports},
		{Method: http.MethodGet, Pattern: "/api/v1/reports", Name: "listReports", Need: auth.Viewer, Do: c.listReports},
		{Method: http.MethodGet, Pattern: "/reports/{id}/download", Name: "downloadReport", Need: auth.Viewer, Do: c.downloadReport},
		{Method: http.MethodGet, Pattern: "/api/v1/reports/{id}/download", Name: "downloadReport", Need: auth.Viewer, Do: c.downloadReport},
		{Method: http.MethodPost, Pattern: "/reports/verify", Name: "verifyReport", Need: auth.Viewer, Template: "report-verify", Do: c.verifyReport},
		{Method: http.MethodPost, Pattern: "/api/v1/reports/verify", Name: "verifyReport", Need: auth.Viewer, Do: c.verifyReport},
		{Method: http.MethodPost, Pattern: "/reports/evidence", Name: "exportEvidence", Need: auth.Auditor, Do: c.exportEvidence},
		{Method: http.MethodPost, Pattern: "/api/v1/reports/evidence", Name: "exportEvidence", Need: auth.Auditor, Do: c.exportEvidence},
	}
}

func (c *Console) listReports(r *http.Request, p auth.Principal) (result, error) {
	v := r.URL.Query()
	pg, err := paging(v)
	if err != nil {
		return result{}, err
	}
	var q store.ReportQuery
	if q.CustomerID, err = optionalID(v, "customer"); err != nil {
		return result{}, err
	}
	if q.Month, err = month(v, "month"); err != nil {
		return result{}, err
	}
	if q.Format, err = oneOf(v, "format", report.FormatHTML, report.FormatPDF); err != nil {
		return result{}, err
	}
	if q.Variant, err = oneOf(v, "variant", report.VariantCustomer, report.VariantInternal); err != nil {
		return result{}, err
	}
	rows, total, err := c.App.ReportArchive(r.Context(), q, pg.rows())
	if err != nil {
		return result{}, err
	}
	page := reportsPage{Reports: rows, Paging: newPageInfo(r, pg, total),
		Filter: reportFilter{Month: q.Month, Format: q.Format, Variant: q.Variant}, CanExport: p.Role.Allows(auth.Auditor)}
	if q.CustomerID != nil {
		page.Filter.Customer = *q.CustomerID
	}
	if !isAPI(r) {
		if page.Customers, err = c.App.CustomerChoices(r.Context()); err != nil {
			return result{}, err
		}
	}
	return result{Data: page}, nil
}

func (c *Console) downloadReport(r *http.Request, _ auth.Principal) (result, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return result{}, err
	}
	row, data, err := c.App.ReportFile(r.Context(), id)
	if err != nil {
		return result{}, err
	}
	kind := "application/pdf"
	if row.Format == report.FormatHTML {
		kind = "text/html; charset=utf-8"
	}
	return result{File: &file{Name: row.FileName, ContentType: kind, Body: data}}, nil
}

// verifyReport says which archived rendering an uploaded report file (the form's
// "file") is and whether it is intact, as `custos report verify` does.
func (c *Console) verifyReport(r *http.Request, _ auth.Principal) (result, error) {
	if err := parseForm(r); err != nil {
		return result{Change: auth.Change{Target: "report file"}}, err
	}
	f, header, err := r.FormFile("file")
	if err != nil {
		return result{Change: auth.Change{Target: "report file"}}, badField("file", "attach the report file (multipart/form-data): %v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxReportFile))
	if err != nil {
		return result{Change: auth.Change{Target: "report file"}}, badField("file", "the file could not be read: %v", err)
	}
	v, err := c.App.VerifyReport(r.Context(), data)
	if err != nil {
		return result{Change: auth.Change{Target: "report file"}}, err
	}
	out := reportVerification{FileName: filepath.Base(header.Filename), Verdict: verdictUnknown, SHA256: v.SHA256,
		Printed: v.Printed, SelfConsistent: v.SelfConsistent}
	if v.Known() {
		row := app.NewReportRow(*v.Archive, v.Customer)
		out.Report, out.Verdict = &row, verdictAltered
		if v.Intact {
			out.Verdict = verdictIntact
		}
	}
	ch := auth.Change{Target: "report file sha256 " + v.SHA256, Detail: out.Verdict}
	if out.Report != nil {
		ch.Detail += fmt.Sprintf(": archived report %d", out.Report.ID)
	}
	return result{Data: out, Change: ch}, nil
}

// exportEvidence writes the evidence bundle of a customer's month (the form's
// customer id and month, the previous month when empty), as `custos evidence export`
// does, and sends it as a download.
func (c *Console) exportEvidence(r *http.Request, _ auth.Principal) (result, error) {
	if err := parseForm(r); err != nil {
		return result{}, err
	}
	ch := auth.Change{Target: "evidence", Detail: formDetail(r.PostForm, "customer", "month")}
	id, err := optionalID(r.PostForm, "customer")
	if err == nil && id == nil {
		err = badField("customer", "required (pick the customer)")
	}
	if err != nil {
		return result{Change: ch}, err
	}
	ch.Target = "evidence of customer " + strconv.FormatUint(uint64(*id), 10)
	var m report.Month
	if s, err := month(r.PostForm, "month"); err != nil {
		return result{Change: ch}, err
	} else if s != "" {
		m, _ = report.ParseMonth(s) // month checked it
	}
	customer, err := c.App.LookUp(r.Context(), "customer", store.LinkCustomer, strconv.FormatUint(uint64(*id), 10))
	if err != nil {
		return result{Change: ch}, notFound("no customer has id %d", *id)
	}
	done, err := c.App.ExportEvidence(r.Context(), customer.Name, m, "")
	if errors.Is(err, app.ErrNoSigningKey) {
		return result{Change: ch}, conflict("%v", err)
	}
	if err != nil {
		return result{Change: ch}, err
	}
	data, err := os.ReadFile(done.Path)
	if err != nil {
		return result{Change: ch}, fmt.Errorf("reading the evidence bundle just written: %w", err)
	}
	ch.Detail = fmt.Sprintf("%s, manifest sha256 %s", done.Manifest.Month, done.ManifestSHA256)
	return result{File: &file{Name: filepath.Base(done.Path), ContentType: "application/zip", Body: data}, Change: ch}, nil
}
