package report_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"

	"github.com/custos-msp/custos/report"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
	"github.com/custos-msp/custos/vocab"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func options(variant string) report.Options {
	return report.Options{
		MSPName: "Northwind IT Services", Location: london, Variant: variant, Now: now,
		BackupMaxAge: 90 * 24 * time.Hour, GapTolerance: 6 * time.Hour,
	}
}

func build(t *testing.T, st *store.Store, variant string) *report.Report {
	t.Helper()
	c := seed(t, st)
	r, err := report.Build(ctx, st, c, report.Month{Year: 2026, Month: time.October}, options(variant))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// golden compares got with testdata/<test name>.golden, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -run %s -update to write it)", err, name)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("%s differs from the golden file at line %d:\n got: %s\nwant: %s", name, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s differs from the golden file in length: %d lines, want %d", name, len(gl), len(wl))
	}
}

// TestRenderHTML_CustomerGolden and TestRenderHTML_InternalGolden render the fixed
// month on both databases against one golden file each: ordering and numbers do not
// depend on the database.
func TestRenderHTML_CustomerGolden(t *testing.T) { testGolden(t, report.VariantCustomer) }

func TestRenderHTML_InternalGolden(t *testing.T) { testGolden(t, report.VariantInternal) }

func testGolden(t *testing.T, variant string) {
	name := t.Name()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		var buf bytes.Buffer
		if err := report.RenderHTML(&buf, build(t, st, variant)); err != nil {
			t.Fatal(err)
		}
		golden(t, name, buf.Bytes())
	})
}

func TestRenderHTML_VariantsDifferInDetail(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	c := seed(t, st)
	month := report.Month{Year: 2026, Month: time.October}
	render := func(variant string) string {
		r, err := report.Build(ctx, st, c, month, options(variant))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := report.RenderHTML(&buf, r); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	customer, internal := render(report.VariantCustomer), render(report.VariantInternal)
	for _, both := range []string{"Bob Jones", "Autotask ticket T20261005.0001", "granted by Jane Doe", "finding #"} {
		if !strings.Contains(customer, both) || !strings.Contains(internal, both) {
			t.Errorf("%q should be in both variants", both)
		}
	}
	for _, only := range []string{"198.51.100.7", "covered by authorisation 1", "screenconnect:e01", "Accesses per technician", "condition no longer holds", "INTERNAL"} {
		if strings.Contains(customer, only) {
			t.Errorf("the customer variant shows internal detail %q", only)
		}
		if !strings.Contains(internal, only) {
			t.Errorf("the internal variant lacks %q", only)
		}
	}
}

func TestRenderPDF_ParsesWithPagesAndText(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	r := build(t, st, report.VariantCustomer)
	var first, second bytes.Buffer
	if err := report.RenderPDF(&first, r); err != nil {
		t.Fatal(err)
	}
	if err := report.RenderPDF(&second, r); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Error("rendering the same report twice gave different PDFs; its archived SHA-256 would change")
	}
	doc, err := pdf.NewReader(bytes.NewReader(first.Bytes()), int64(first.Len()))
	if err != nil {
		t.Fatalf("the PDF does not parse: %v", err)
	}
	const pages = 3
	if doc.NumPage() != pages {
		t.Errorf("pages = %d, want %d", doc.NumPage(), pages)
	}
	var text strings.Builder
	for i := 1; i <= doc.NumPage(); i++ {
		s, err := doc.Page(i).GetPlainText(nil)
		if err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		text.WriteString(s)
	}
	all := text.String()
	for _, want := range []string{
		"Monthly access report", "Contoso Ltd", "October 2026", "times in Europe/London", "Northwind IT Services",
		"9 accesses to your systems: 4 covered by your authorisation or a verified backup, 4 not covered by an authorisation, 1", "not yet checked.",
		"Findings: 5 opened, 2 resolved, 4 open at the end of the period.",
		"2026-10-01", "Bob Jones", "helpdesk-temp", "T20261026.0003",
		"Every access", "Microsoft 365 partner access", "CON-FW01", "no configuration backup",
		"newest backup is 164 days old", "ScreenConnect: no data 10", "IT Glue: read for the whole month", "page 1 of 3", "page 3 of 3",
		"customer variant · rendering not archived", "Document SHA-256 " + strings.Repeat("0", 64), "with this value read as zeros",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("the PDF's text lacks %q", want)
		}
	}
	if strings.Contains(all, "198.51.100.7") {
		t.Error("the customer PDF shows a technician's IP address")
	}
}

func TestBuild_Sections(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	r := build(t, st, report.VariantCustomer)

	if r.Partial || !r.Until.Equal(november) || !r.From.Equal(october) {
		t.Errorf("period = %v to %v (partial %v), want the whole of October in London", r.From, r.Until, r.Partial)
	}
	if len(r.Days) != 31 || r.Days[24].Other != 1 || r.Days[25].Authorised != 1 || r.Days[0].Other != 1 {
		t.Errorf("days = %+v", r.Days)
	}
	first := r.Accesses[0]
	if first.When.Format("2006-01-02 15:04") != "2026-10-01 00:30" || first.FindingID == 0 || first.Status != report.AccessUnauthorised {
		t.Errorf("first access = %+v, want 1 October 00:30 London, not authorised, with its finding", first)
	}
	if first.Reason != "" || first.SourceIP != "" {
		t.Errorf("the customer variant carries internal detail: %+v", first)
	}
	// Its finding was resolved on 1 November: at the end of October it was open.
	if sunday := r.Accesses[6]; sunday.FindingStatus != "open" || sunday.When.Day() != 25 {
		t.Errorf("access of 25 October = %+v, want its finding open at the end of the month", sunday)
	}
	last := r.Accesses[len(r.Accesses)-1]
	if last.Status != report.AccessUnchecked || last.Target != "Microsoft 365 tenant" || last.Kind != "Mailbox access" {
		t.Errorf("last access = %+v", last)
	}

	var fps []string
	for _, f := range r.Findings {
		fps = append(fps, f.Summary[:12]+"|"+f.State)
	}
	wantFindings := []string{
		"Firewall CON|open", "1 remote ses|open", "1 command by|acknowledged", "1 admin acti|resolved",
		"1 remote ses|open", "Router CON-R|resolved", "authorisatio|suppressed",
	}
	if !slices.Equal(fps, wantFindings) {
		t.Errorf("findings = %q\nwant %q", fps, wantFindings)
	}

	b := r.Backups
	if b.Devices != 3 || b.WithBackup != 2 || b.Current != 1 {
		t.Errorf("backups = %d devices, %d with backup, %d current; want 3, 2, 1", b.Devices, b.WithBackup, b.Current)
	}
	var statuses []string
	for _, d := range b.Rows {
		statuses = append(statuses, d.Name+":"+d.Status)
	}
	if want := []string{"CON-FW01:missing", "CON-RTR01:stale", "CON-SW01:current"}; !slices.Equal(statuses, want) {
		t.Errorf("backup statuses = %v, want %v", statuses, want)
	}
	if sw := b.Rows[2]; sw.Backups != 2 || sw.NewestFile != "CON-SW01-new.cfg" {
		t.Errorf("CON-SW01 = %+v, want 2 backups by the end of October, newest CON-SW01-new.cfg", sw)
	}

	if r.M365.Configured || r.RMMReport.Configured {
		t.Errorf("no Microsoft 365 or report-mailbox source read Contoso, yet M365 = %+v, RMM report = %+v", r.M365, r.RMMReport)
	}
}

func TestBuild_Coverage(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	r := build(t, st, report.VariantCustomer)
	byStream := map[string]report.StreamCoverage{}
	var order []string
	for _, c := range r.Coverage {
		byStream[c.Connector+"/"+c.Stream] = c
		order = append(order, c.Connector+"/"+c.Stream)
	}
	if want := []string{"dattormm/activity", "itglue/configurations", "screenconnect/connections"}; !slices.Equal(order, want) {
		t.Fatalf("streams = %v, want %v", order, want)
	}
	tests := []struct {
		stream   string
		status   string
		pulls    int
		ok       int
		failures []string
		gaps     []string
	}{
		{"dattormm/activity", report.CoverageNoData, 0, 0, nil, nil},
		{"itglue/configurations", report.CoverageErrors, 3, 2, []string{"1 access_denied"}, nil},
		{"screenconnect/connections", report.CoverageGaps, 4, 3, []string{"1 throttled"}, []string{"2026-10-10 00:00–2026-10-14 12:00"}},
	}
	for _, tt := range tests {
		c := byStream[tt.stream]
		var gaps []string
		for _, g := range c.Gaps {
			gaps = append(gaps, g.From.Format("2006-01-02 15:04")+"–"+g.To.Format("2006-01-02 15:04"))
		}
		if c.Status != tt.status || c.Pulls != tt.pulls || c.OK != tt.ok || !slices.Equal(c.Failures, tt.failures) || !slices.Equal(gaps, tt.gaps) {
			t.Errorf("%s = status %s, %d pulls, %d ok, failures %v, gaps %v; want %s, %d, %d, %v, %v",
				tt.stream, c.Status, c.Pulls, c.OK, c.Failures, gaps, tt.status, tt.pulls, tt.ok, tt.failures, tt.gaps)
		}
	}
}

func TestBuild_MonthNotStarted(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	c := seed(t, st)
	if _, err := report.Build(ctx, st, c, report.Month{Year: 2026, Month: time.December}, options(report.VariantCustomer)); err == nil {
		t.Error("a report of a month that has not started was built")
	}
}

func TestMonth_ParseAndPrevious(t *testing.T) {
	tests := []struct {
		in, want string
		bad      bool
	}{{"2026-10", "2026-10", false}, {" 2026-01 ", "2026-01", false}, {"2026-13", "", true}, {"October", "", true}}
	for _, tt := range tests {
		m, err := report.ParseMonth(tt.in)
		if (err != nil) != tt.bad || (!tt.bad && m.String() != tt.want) {
			t.Errorf("ParseMonth(%q) = %v, %v; want %s (error %v)", tt.in, m, err, tt.want, tt.bad)
		}
	}
	// 1 November 00:30 in Auckland is still 31 October in UTC.
	auckland := mustZone("Pacific/Auckland")
	at := time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC)
	if got := report.PreviousMonth(at, auckland).String(); got != "2026-10" {
		t.Errorf("previous month in Auckland = %s, want 2026-10", got)
	}
	if got := report.PreviousMonth(at, time.UTC).String(); got != "2026-09" {
		t.Errorf("previous month in UTC = %s, want 2026-09", got)
	}
}

func TestBuild_M365AndRMMSectionsFollowTheirSources(t *testing.T) {
	st := storetest.Open(t, "sqlite", nil)
	c := seed(t, st)
	create(t, st,
		&store.Coverage{Connector: "m365", Stream: "relationships", Scope: store.AccountScope, StartedAt: at(10, 3, 6, 0), FinishedAt: at(10, 3, 6, 1), Outcome: vocab.OutcomeOK},
		&store.Coverage{Connector: "m365", Stream: "rmmreports", Scope: "reports@msp.example", StartedAt: at(10, 3, 6, 0), FinishedAt: at(10, 3, 6, 1), Outcome: vocab.OutcomeOK},
	)
	october := report.Month{Year: 2026, Month: time.October}
	render := func() string {
		t.Helper()
		r, err := report.Build(ctx, st, c, october, options(report.VariantCustomer))
		if err != nil {
			t.Fatal(err)
		}
		if !r.M365.Configured || !r.RMMReport.Configured {
			t.Fatalf("M365 configured = %v, RMM report configured = %v; want both", r.M365.Configured, r.RMMReport.Configured)
		}
		var buf bytes.Buffer
		if err := report.RenderHTML(&buf, r); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	empty := render()
	for _, want := range []string{"No RMM report was received for October 2026", "No GDAP relationship with your tenant"} {
		if !strings.Contains(empty, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	other := uint(2)
	rel := func(id string, customer *uint, ended *time.Time, roles string) *store.Relationship {
		return &store.Relationship{
			Pulled: store.Pulled{Source: "m365", SourceID: id, Stream: "relationships", Scope: store.AccountScope}, CustomerID: customer,
			DisplayName: "Contoso " + id, Status: "active", StartedAt: ptr(at(1, 1, 9, 0)), EndsAt: ptr(at(12, 31, 9, 0)),
			EndedAt: ended, AutoExtendDays: 180, Roles: roles,
		}
	}
	create(t, st,
		rel("gdap-1", &c.ID, nil, `[{"id":"62e90394-69f5-4237-9190-012177145e10","name":"Global Administrator"},{"id":"729827e3-9c14-49f7-bb1b-9608f156bbb8","name":"Helpdesk Administrator"}]`),
		rel("gdap-old", &c.ID, ptr(at(9, 1, 9, 0)), `[{"id":"x","name":"Old Role"}]`),
		rel("gdap-fab", &other, nil, `[{"id":"y","name":"Fabrikam Role"}]`),
		&store.ReportReceipt{
			Pulled: store.Pulled{Source: "m365", SourceID: "<r1@msp>", Stream: "rmmreports", Scope: "reports@msp.example"}, CustomerID: &c.ID,
			Month: "2026-10", Subject: "Scheduled RMM Report: Contoso Ltd", ReceivedAt: at(11, 1, 7, 0),
			Attachments: `[{"name":"Contoso-2026-10.pdf","size":1000,"sha256":"ab12"}]`,
		},
	)
	full := render()
	for _, want := range []string{
		"Contoso gdap-1", "Global Administrator, Helpdesk Administrator <span class=\"bad\">(Global Administrator)</span>",
		"1 grant(s) Global Administrator", "every 180 days", "2026-12-31",
		"Scheduled RMM Report: Contoso Ltd", "Contoso-2026-10.pdf", "<code>ab12</code>",
	} {
		if !strings.Contains(full, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	for _, not := range []string{"gdap-old", "Fabrikam Role", "No RMM report was received"} {
		if strings.Contains(full, not) {
			t.Errorf("HTML shows %q", not)
		}
	}
}
