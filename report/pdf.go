package report

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"codeberg.org/go-fonts/liberation/liberationsansbold"
	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"codeberg.org/go-pdf/fpdf"
)

// PDF layout, in millimetres on A4.
const (
	pdfMargin   = 15.0
	pdfLine     = 4.6
	pdfPad      = 1.2
	pdfFont     = "LiberationSans"
	pdfHashFont = "Courier"
	pdfChartDPI = 200
)

// Colours of the PDF, as RGB.
var (
	pdfGrey  = [3]int{0x56, 0x60, 0x6b}
	pdfHead  = [3]int{0xee, 0xf2, 0xf6}
	pdfRule  = [3]int{0xd5, 0xdd, 0xe5}
	pdfBlack = [3]int{0x1c, 0x24, 0x30}
)

// RenderPDF writes the report as an A4 PDF: the same sections as the HTML, text in
// Liberation Sans (embedded, so every name prints whatever its script), charts as
// images. The document's dates are the report's generation time, so the same report
// renders to the same bytes.
func RenderPDF(w io.Writer, r *Report) error {
	p := &pdfDoc{f: fpdf.New("P", "mm", "A4", ""), r: r, brand: rgb(r.Colour)}
	f := p.f
	f.SetCreationDate(r.GeneratedAt)
	f.SetModificationDate(r.GeneratedAt)
	f.SetCatalogSort(true)
	// Pages are written uncompressed, so that the document hash in the footer is in
	// the file's bytes as printed (Stamp, DocumentHash).
	f.SetCompression(false)
	f.SetProducer("Custos", true)
	f.SetTitle(fmt.Sprintf("%s — access report %s", r.Customer, r.MonthName), true)
	f.SetAuthor(r.MSPName, true)
	f.AddUTF8FontFromBytes(pdfFont, "", liberationsansregular.TTF)
	f.AddUTF8FontFromBytes(pdfFont, "B", liberationsansbold.TTF)
	f.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	f.SetAutoPageBreak(true, pdfMargin+5)
	f.AliasNbPages("{nb}")
	f.SetFooterFunc(p.footer)
	f.AddPage()
	p.header()
	if err := p.body(); err != nil {
		return err
	}
	if err := f.Output(w); err != nil {
		return fmt.Errorf("report: rendering the PDF of %s %s: %w", r.Customer, r.Month, err)
	}
	return nil
}

type pdfDoc struct {
	f *fpdf.Fpdf
	r *Report
	// brand is the report's colour as RGB.
	brand [3]int
}

// rgb reads a colour as brandColour writes it (#rrggbb).
func rgb(colour string) [3]int {
	var c [3]int
	_, _ = fmt.Sscanf(brandColour(colour), "#%02x%02x%02x", &c[0], &c[1], &c[2])
	return c
}

func (p *pdfDoc) colour(c [3]int) { p.f.SetTextColor(c[0], c[1], c[2]) }

func (p *pdfDoc) footer() {
	f, r := p.f, p.r
	f.SetY(-pdfMargin - 1.5)
	f.SetFont(pdfFont, "", 8)
	p.colour(pdfGrey)
	left := fmt.Sprintf("%s · %s · %s · template %s · %s variant · rendering %s", r.MSPName, r.Customer, r.MonthName, r.TemplateVersion, r.Variant, r.RenderingName())
	f.CellFormat(0, 4, left, "", 0, "L", false, 0, "")
	f.CellFormat(0, 4, fmt.Sprintf("page %d of {nb}", f.PageNo()), "", 1, "R", false, 0, "")
	// The document hash in a standard font, one byte a character in the page's
	// content, where Stamp finds its placeholder.
	f.SetFont(pdfHashFont, "", 6.5)
	hash := HashLabel + r.DocumentHash()
	f.CellFormat(f.GetStringWidth(hash)+1, 4, hash, "", 0, "L", false, 0, "")
	f.SetFont(pdfFont, "", 7)
	f.CellFormat(0, 4, "of this file, with this value read as zeros", "", 0, "L", false, 0, "")
}

func (p *pdfDoc) header() {
	f, r := p.f, p.r
	textWidth := 0.0
	if r.Logo != nil {
		kind := "PNG"
		if r.Logo.MIME == "image/jpeg" {
			kind = "JPG"
		}
		info := f.RegisterImageOptionsReader("logo", fpdf.ImageOptions{ImageType: kind}, bytes.NewReader(r.Logo.Data))
		if info != nil {
			h := 14.0
			wd := min(h*info.Width()/info.Height(), 50)
			pageW, _ := f.GetPageSize()
			f.ImageOptions("logo", pageW-pdfMargin-wd, pdfMargin, wd, 0, false, fpdf.ImageOptions{ImageType: kind}, 0, "")
			textWidth = -wd - 4
		}
	}
	f.SetFont(pdfFont, "B", 17)
	p.colour(p.brand)
	f.MultiCell(p.width()+textWidth, 8, "Monthly access report — "+r.Customer, "", "L", false)
	f.SetFont(pdfFont, "", 9.5)
	p.colour(pdfGrey)
	period := fmt.Sprintf("%s · %s to %s", r.MonthName, r.From.Format("2006-01-02"), r.Until.Format("2006-01-02"))
	if !r.Partial {
		period += " (whole month)"
	}
	f.MultiCell(p.width()+textWidth, 5, period+" · times in "+r.TimeZone+" · issued by "+r.MSPName, "", "L", false)
	f.Ln(2)
	f.SetDrawColor(p.brand[0], p.brand[1], p.brand[2])
	f.SetLineWidth(0.8)
	f.Line(pdfMargin, f.GetY(), pdfMargin+p.width(), f.GetY())
	f.SetLineWidth(0.2)
	f.Ln(3)
	if r.Internal() {
		p.note("INTERNAL — includes decision reasons, record sources and technician totals; not for the customer.", [3]int{0xc6, 0x28, 0x28})
	}
	if r.Partial {
		p.note(fmt.Sprintf("The month has not ended: this report covers %s to %s.", stamp(r.From), stamp(r.Until)), [3]int{0xb2, 0x6a, 0x00})
	}
}

func (p *pdfDoc) width() float64 {
	w, _ := p.f.GetPageSize()
	return w - 2*pdfMargin
}

func (p *pdfDoc) note(text string, c [3]int) {
	p.f.SetFont(pdfFont, "B", 9.5)
	p.colour(c)
	p.f.MultiCell(0, 5, text, "", "L", false)
	p.f.Ln(1)
}

func (p *pdfDoc) heading(text string) {
	f := p.f
	_, pageH := f.GetPageSize()
	if f.GetY() > pageH-pdfMargin-40 {
		f.AddPage()
	}
	f.Ln(3)
	f.SetFont(pdfFont, "B", 13)
	p.colour(p.brand)
	f.CellFormat(0, 7, text, "B", 1, "L", false, 0, "")
	f.Ln(1.5)
}

func (p *pdfDoc) para(text string) {
	p.f.SetFont(pdfFont, "", 9.5)
	p.colour(pdfBlack)
	p.f.MultiCell(0, 5, text, "", "L", false)
	p.f.Ln(1)
}

// table draws a table whose cells wrap; rows that do not fit start a new page,
// which repeats the header. widths are fractions of the text width.
// maxWordShare bounds the width a single word may claim: a longer one (a URL, an
// id) is broken rather than squeezing every other column.
const maxWordShare = 0.22

// fitColumns sizes a table's columns: shares of total as widths says, except that a
// column is never narrower than its longest word (header in bold, cells in regular,
// as measure gives their width), up to maxWordShare of total, so that no ordinary word
// is split across lines. The width a column needs more is taken from the columns with
// room to spare, in proportion to that room. When the words cannot all fit, the
// longest are left to break: the bound on a word's width is lowered until the rest fit.
func fitColumns(header []string, rows [][]string, widths []float64, total float64, measure func(string, bool) float64) []float64 {
	need := make([]float64, len(widths))
	for i := range widths {
		for _, word := range strings.Fields(header[i]) {
			need[i] = max(need[i], measure(word, true))
		}
		for _, r := range rows {
			for _, word := range strings.Fields(r[i]) {
				need[i] = max(need[i], measure(word, false))
			}
		}
	}
	shares := make([]float64, len(widths))
	for i, w := range widths {
		shares[i] = w * total
	}
	lo, hi := 0.0, maxWordShare*total
	if _, ok := fitTo(shares, need, hi); !ok {
		for range 40 {
			mid := (lo + hi) / 2
			if _, ok := fitTo(shares, need, mid); ok {
				lo = mid
			} else {
				hi = mid
			}
		}
		hi = lo
	}
	cols, _ := fitTo(shares, need, hi)
	return cols
}

// fitTo widens each column to its need, bounded by limit, taking the width from the
// columns with room to spare; it reports false, changing nothing, when there is not
// enough room.
func fitTo(shares, need []float64, limit float64) ([]float64, bool) {
	cols := slices.Clone(shares)
	var deficit, spare float64
	for i := range cols {
		n := min(need[i], limit)
		if cols[i] < n {
			deficit += n - cols[i]
		} else {
			spare += cols[i] - n
		}
	}
	if deficit == 0 {
		return cols, true
	}
	if deficit > spare {
		return cols, false
	}
	for i := range cols {
		n := min(need[i], limit)
		if cols[i] < n {
			cols[i] = n
		} else {
			cols[i] -= (cols[i] - n) * deficit / spare
		}
	}
	return cols, true
}

func (p *pdfDoc) table(header []string, widths []float64, rows [][]string, empty string) {
	f := p.f
	if len(rows) == 0 {
		f.SetFont(pdfFont, "", 9)
		p.colour(pdfGrey)
		f.MultiCell(0, 5, empty, "", "L", false)
		f.Ln(1)
		return
	}
	total := p.width()
	cols := fitColumns(header, rows, widths, total, func(s string, bold bool) float64 {
		style := ""
		if bold {
			style = "B"
		}
		f.SetFont(pdfFont, style, 8)
		// SplitText keeps a cell margin on either side of the width it is given.
		return f.GetStringWidth(s) + 2*pdfPad + 2*f.GetCellMargin() + 0.1
	})
	_, pageH := f.GetPageSize()
	bottom := pageH - pdfMargin - 5
	var drawRow func(cells []string, bold bool)
	drawRow = func(cells []string, bold bool) {
		style := ""
		if bold {
			style = "B"
		}
		f.SetFont(pdfFont, style, 8)
		lines := make([][]string, len(cells))
		height := 0.0
		for i, c := range cells {
			lines[i] = f.SplitText(c, cols[i]-2*pdfPad)
			height = max(height, float64(max(len(lines[i]), 1))*pdfLine*0.85+2*pdfPad)
		}
		if f.GetY()+height > bottom && !bold {
			f.AddPage()
			drawRow(header, true)
			f.SetFont(pdfFont, style, 8)
		}
		x, y := pdfMargin, f.GetY()
		for i := range cells {
			if bold {
				f.SetFillColor(pdfHead[0], pdfHead[1], pdfHead[2])
				f.Rect(x, y, cols[i], height, "F")
			}
			f.SetXY(x+pdfPad, y+pdfPad)
			p.colour(pdfBlack)
			for _, l := range lines[i] {
				f.CellFormat(cols[i]-2*pdfPad, pdfLine*0.85, l, "", 2, "L", false, 0, "")
				f.SetX(x + pdfPad)
			}
			x += cols[i]
		}
		f.SetDrawColor(pdfRule[0], pdfRule[1], pdfRule[2])
		f.Line(pdfMargin, y+height, pdfMargin+total, y+height)
		f.SetXY(pdfMargin, y+height)
	}
	if f.GetY()+20 > bottom {
		f.AddPage()
	}
	drawRow(header, true)
	for _, row := range rows {
		drawRow(row, false)
	}
	f.Ln(2)
}

func (p *pdfDoc) chart(name string, png []byte, size chartSize) {
	f := p.f
	opts := fpdf.ImageOptions{ImageType: "PNG"}
	f.RegisterImageOptionsReader(name, opts, bytes.NewReader(png))
	w := p.width() * float64(size.w) / float64(accessChartSize.w)
	h := w * float64(size.h) / float64(size.w)
	_, pageH := f.GetPageSize()
	if f.GetY()+h > pageH-pdfMargin-5 {
		f.AddPage()
	}
	f.ImageOptions(name, pdfMargin, f.GetY(), w, h, true, opts, 0, "")
	f.Ln(2)
}

func (p *pdfDoc) body() error {
	r := p.r
	s := r.Summary
	p.heading("Summary")
	late := ""
	if s.AuthorisedLate > 0 {
		late = fmt.Sprintf(", %d authorised afterwards (the authorisation was recorded after the access began)", s.AuthorisedLate)
	}
	p.para(fmt.Sprintf("%d accesses to your systems: %d covered by your authorisation or a verified backup%s, %d not covered by an authorisation, %d not yet checked. "+
		"Findings: %d opened, %d resolved, %d open at the end of the period.",
		s.Accesses, s.Authorised, late, s.Unauthorised, s.Unchecked, s.Opened, s.Resolved, s.OpenAt))
	var kinds [][]string
	for _, k := range s.ByKind {
		kinds = append(kinds, p.counts(k.Label, k.Total, k.Authorised, k.AuthorisedLate, k.Unauthorised, k.Unchecked))
	}
	p.table(p.countsHeader("Kind of access"), p.countsWidths(), kinds, r.Absent.Access)
	var sev [][]string
	for _, c := range s.Findings {
		sev = append(sev, []string{string(c.Severity), itoa(c.Opened), itoa(c.Resolved), itoa(c.OpenAt)})
	}
	p.table([]string{"Finding severity", "Opened", "Resolved", "Open at the end"}, []float64{.4, .2, .2, .2}, sev, "")

	shown, err := charts(r)
	if err != nil {
		return err
	}
	if len(shown) > 0 {
		p.heading("Charts")
	}
	for _, c := range shown {
		png, err := pngOf(c.plot, c.size, pdfChartDPI)
		if err != nil {
			return err
		}
		p.chart(c.name, png, c.size)
	}

	p.accesses()
	p.findings()
	p.m365()
	p.backups()
	p.rmmReport()
	p.coverage()
	return nil
}

func (p *pdfDoc) accesses() {
	r := p.r
	p.heading("Every access")
	header := []string{"When", "Technician", "What", "Device or tenant", "Authorisation or finding"}
	widths := []float64{.14, .16, .2, .16, .34}
	if r.Internal() {
		header = append(header, "Decision (internal)", "Source (internal)")
		widths = []float64{.12, .11, .13, .11, .19, .2, .14}
	}
	var rows [][]string
	for _, a := range r.Accesses {
		row := []string{stamp(a.When), a.Technician, a.Action, a.Target, accessOutcome(a)}
		if r.Internal() {
			src := a.Source
			if a.SourceIP != "" {
				src += " from " + a.SourceIP
			}
			row = append(row, a.Reason, src)
		}
		rows = append(rows, row)
	}
	p.table(header, widths, rows, r.Absent.Access)
	if r.Internal() {
		p.heading("Accesses per technician (internal)")
		var tr [][]string
		for _, t := range r.Technicians {
			tr = append(tr, p.counts(t.Name, t.Total, t.Authorised, t.AuthorisedLate, t.Unauthorised, t.Unchecked))
		}
		p.table(p.countsHeader("Technician"), p.countsWidths(), tr, "No accesses.")
	}
}

// counts is a row of access counts: a label, the total and each outcome; the
// column of accesses authorised afterwards only when the report has any.
func (p *pdfDoc) counts(label string, total, authorised, late, unauthorised, unchecked int) []string {
	row := []string{label, itoa(total), itoa(authorised)}
	if p.r.Summary.AuthorisedLate > 0 {
		row = append(row, itoa(late))
	}
	return append(row, itoa(unauthorised), itoa(unchecked))
}

// countsHeader and countsWidths are the header and the column widths of counts' rows.
func (p *pdfDoc) countsHeader(label string) []string {
	h := []string{label, "Total", "Authorised"}
	if p.r.Summary.AuthorisedLate > 0 {
		h = append(h, "Authorised afterwards")
	}
	return append(h, "Not authorised", "Not yet checked")
}

func (p *pdfDoc) countsWidths() []float64 {
	if p.r.Summary.AuthorisedLate > 0 {
		return []float64{.3, .14, .14, .14, .14, .14}
	}
	return []float64{.4, .15, .15, .15, .15}
}

// accessOutcome is the authorisation that covered an access, in advance or
// afterwards, or why none did.
func accessOutcome(a Access) string {
	var s string
	switch a.Status {
	case AccessAuthorised:
		s = "authorised: " + a.Evidence
	case AccessAuthorisedLate:
		s = AccessAuthorisedLate + ": " + a.Evidence
	default:
		if a.FindingID != 0 {
			return fmt.Sprintf("%s: finding #%d (%s)", a.Status, a.FindingID, a.FindingStatus)
		}
		return a.Status
	}
	if a.GrantedBy != "" {
		s += ", granted by " + a.GrantedBy
	}
	if a.Status == AccessAuthorisedLate {
		s += ", recorded " + stamp(a.Recorded)
		if a.FindingID != 0 {
			s += fmt.Sprintf(": finding #%d (%s)", a.FindingID, a.FindingStatus)
		}
	}
	return s
}

func (p *pdfDoc) findings() {
	r := p.r
	p.heading("Findings")
	header := []string{"#", "Severity", "Finding", "Happened", "State at the end", "Resolved"}
	widths := []float64{.05, .09, .5, .12, .12, .12}
	if r.Internal() {
		header = append(header, "Rule (internal)", "Status by and why (internal)")
		widths = []float64{.05, .08, .29, .1, .09, .1, .13, .16}
	}
	var rows [][]string
	for _, fr := range r.Findings {
		resolved := ""
		if fr.ResolvedAt != nil {
			resolved = day(*fr.ResolvedAt)
		}
		row := []string{itoa(int(fr.ID)), string(fr.Severity), fr.Summary, day(fr.Happened), fr.State, resolved}
		if r.Internal() {
			why := fr.StatusBy
			if fr.StatusReason != "" {
				why += ": " + fr.StatusReason
			}
			row = append(row, fr.Rule, why)
		}
		rows = append(rows, row)
	}
	p.table(header, widths, rows, "No finding was open, opened or resolved in this period (see Coverage for what was read).")
}

func (p *pdfDoc) m365() {
	m := p.r.M365
	p.heading("Microsoft 365 partner access")
	if !m.Configured {
		p.para("No Microsoft 365 data source configured: partner access to your tenant was not read for this report.")
		return
	}
	ga := "none grants Global Administrator"
	if m.GlobalAdmin > 0 {
		ga = fmt.Sprintf("%d grant(s) Global Administrator", m.GlobalAdmin)
	}
	p.para(fmt.Sprintf("%d GDAP relationship(s); %s.", len(m.Relationships), ga))
	var rows [][]string
	for _, rel := range m.Relationships {
		roles := strings.Join(rel.Roles, ", ")
		if rel.GlobalAdmin {
			roles += " (Global Administrator)"
		}
		rows = append(rows, []string{rel.Name, rel.Status, roles, optDay(rel.Start), optDay(rel.End), rel.AutoExtend})
	}
	p.table([]string{"Relationship", "Status", "Roles", "Start", "Expires", "Auto-extend"}, []float64{.19, .09, .36, .12, .12, .12},
		rows, p.r.Absent.Relationships)
}

func (p *pdfDoc) backups() {
	b := p.r.Backups
	p.heading("Network devices: configuration backups")
	if b.Devices == 0 {
		p.para(p.r.Absent.Devices)
		return
	}
	p.para(fmt.Sprintf("%d network device(s); %d with a configuration backup; %d with one newer than %d days at the end of the period.",
		b.Devices, b.WithBackup, b.Current, b.MaxAgeDays))
	var rows [][]string
	for _, d := range b.Rows {
		age := ""
		if d.Newest != nil {
			age = itoa(d.AgeDays)
		}
		rows = append(rows, []string{d.Name, d.Type, itoa(d.Backups), strings.TrimSpace(optDay(d.Newest) + " " + d.NewestFile), age, d.Status})
	}
	p.table([]string{"Device", "Type", "Backups", "Newest backup", "Age (days)", "Status"}, []float64{.18, .17, .09, .3, .1, .16}, rows, "")
	missing := b.Missing()
	if len(missing) == 0 {
		p.para("Every network device has a current configuration backup.")
		return
	}
	var lines []string
	for _, d := range missing {
		lines = append(lines, "• "+d.Name+" ("+d.Type+"): "+missingText(d))
	}
	p.para("What is missing:\n" + strings.Join(lines, "\n"))
}

func missingText(d DeviceBackup) string {
	switch d.Status {
	case BackupMissing:
		return "no configuration backup"
	case BackupStale:
		return fmt.Sprintf("newest backup is %d days old", d.AgeDays)
	}
	return "newest backup is " + d.Status
}

func (p *pdfDoc) rmmReport() {
	r := p.r
	p.heading("Monthly RMM report")
	switch {
	case !r.RMMReport.Configured:
		p.para("No RMM report mailbox data source configured: receipt of the RMM report was not checked.")
	case len(r.RMMReport.Receipts) == 0:
		p.para("No RMM report was received for " + r.MonthName + ".")
	default:
		var rows [][]string
		for _, rc := range r.RMMReport.Receipts {
			rows = append(rows, []string{stamp(rc.Received), rc.Subject, rc.Attachment, rc.SHA256})
		}
		p.table([]string{"Received", "Subject", "Attachment", "SHA-256"}, []float64{.14, .28, .2, .38}, rows, "")
	}
}

func (p *pdfDoc) coverage() {
	p.heading("Coverage: what was read")
	p.para("A source with no data or with gaps means an absence of findings there is not evidence that nothing happened.")
	for _, l := range p.r.Sources {
		p.para("• " + l.Source + ": " + l.Said)
	}
	if !p.r.Internal() {
		return
	}
	var rows [][]string
	for _, c := range p.r.Coverage {
		windows := "current state"
		if c.Windowed {
			windows = spans(c.Windows, "")
		}
		problems := spans(c.Gaps, "gap ")
		if len(c.Failures) > 0 {
			problems = strings.TrimSpace(problems + "\n" + strings.Join(c.Failures, "\n"))
		}
		last := ""
		if c.LastOK != nil {
			last = stamp(*c.LastOK)
		}
		rows = append(rows, []string{c.Connector + " / " + c.Stream, itoa(c.Pulls), itoa(c.OK), itoa(c.Records), last, windows, problems, c.Status})
	}
	p.table([]string{"Source", "Pulls", "OK", "Records", "Last success", "Windows read", "Gaps and failures", "Status"},
		[]float64{.17, .07, .05, .09, .13, .19, .2, .1}, rows, "No source has read your systems yet: this report has no data.")
}

func spans(ss []Span, prefix string) string {
	lines := make([]string, len(ss))
	for i, s := range ss {
		lines[i] = prefix + stamp(s.From) + " – " + stamp(s.To)
	}
	return strings.Join(lines, "\n")
}

func itoa(n int) string { return strconv.Itoa(n) }
