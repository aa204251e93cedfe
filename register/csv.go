package register

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/custos-msp/custos/store"
)

// Columns are the columns a CSV register file may have, in any order and any case
// ("Valid From" and "valid-from" name valid_from too).
var Columns = []string{FieldCustomer, FieldTechnician, FieldDevice, FieldScope, FieldValidFrom, FieldValidTo, FieldGrantedBy, FieldEvidence}

// requiredColumns are the columns a CSV register file must have.
var requiredColumns = []string{FieldCustomer, FieldScope, FieldValidFrom, FieldGrantedBy}

// minuteLayout and dayLayout are the layouts ParseStart and ParseEnd accept besides RFC 3339.
const (
	minuteLayout = "2006-01-02 15:04"
	dayLayout    = time.DateOnly
)

// ParseStart reads the start of an authorisation: RFC 3339 (which carries its own
// offset), "2006-01-02 15:04" or "2006-01-02" (midnight), the last two in loc, or in
// UTC when loc is nil.
func ParseStart(s string, loc *time.Location) (time.Time, error) {
	t, _, err := parseTime(s, loc)
	return t, err
}

// ParseEnd reads the end of an authorisation like ParseStart, except that a date
// without a time means the end of that day: valid to 2026-11-21 includes that day.
func ParseEnd(s string, loc *time.Location) (time.Time, error) {
	t, dateOnly, err := parseTime(s, loc)
	if dateOnly {
		t = t.AddDate(0, 0, 1)
	}
	return t, err
}

// parseTime reads s and says whether it was a date without a time.
func parseTime(s string, loc *time.Location) (time.Time, bool, error) {
	if loc == nil {
		loc = time.UTC
	}
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, false, nil
	}
	if t, err := time.ParseInLocation(minuteLayout, s, loc); err == nil {
		return t, false, nil
	}
	if t, err := time.ParseInLocation(dayLayout, s, loc); err == nil {
		return t, true, nil
	}
	return time.Time{}, false, fmt.Errorf("%q is not a date (want 2026-11-21 or 2026-11-21 14:30 or RFC 3339)", s)
}

// ImportCSV records the authorisations of a CSV file and returns how many were new.
// name is the file's name for messages; recordedBy says who imports it.
//
// The first row names the columns (see Columns; customer, scope, valid_from and
// granted_by are required). Times are read by ParseStart and ParseEnd in loc (UTC
// when nil). A byte order mark, CRLF line ends and blank rows are tolerated.
//
// Every row is checked before anything is written: if any has a problem, nothing is
// imported and the error is an *InvalidError listing every problem with its line
// (the header is line 1). Otherwise every row is written in one transaction. A row's
// identity is the file's base name, its line and its content, so importing the same
// file again adds nothing; a changed row is a new authorisation (revoke the old one).
// Malformed CSV (a stray quote) is an error naming the line.
func ImportCSV(ctx context.Context, st *store.Store, r io.Reader, name, recordedBy string, loc *time.Location, now time.Time) (int, error) {
	if strings.TrimSpace(recordedBy) == "" {
		return 0, &InvalidError{Problems: []Problem{{Field: FieldRecordedBy, Message: "required (who imports the file)"}}}
	}
	rows, err := readCSV(r, name)
	if err != nil {
		return 0, err
	}
	res := newResolver(st)
	var (
		problems []Problem
		auths    []store.Authorisation
	)
	for _, row := range rows {
		a, ps, err := row.authorisation(ctx, res, recordedBy, loc, now)
		if err != nil {
			return 0, fmt.Errorf("register: %s:%d: %w", name, row.line, err)
		}
		problems = append(problems, ps...)
		a.Stream, a.SourceID = StreamCSV, row.sourceID(name)
		auths = append(auths, a)
	}
	if len(problems) > 0 {
		return 0, &InvalidError{File: name, Problems: problems}
	}
	if len(auths) == 0 {
		return 0, nil
	}
	added, err := st.ImportAuthorisations(ctx, auths)
	if err != nil {
		return 0, fmt.Errorf("register: importing %s: %w", name, err)
	}
	return added, nil
}

// csvRow is one data row of a register file.
type csvRow struct {
	line int
	// header is the file's normalised column names, fields the row's values.
	header, fields []string
}

// readCSV reads the header and the non-blank rows. Header problems come back as an
// *InvalidError; malformed CSV as an error naming the line.
func readCSV(r io.Reader, name string) ([]csvRow, error) {
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\ufeff" {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	switch {
	case errors.Is(err, io.EOF):
		return nil, fmt.Errorf("register: %s is empty; want a header row naming the columns (%s)", name, strings.Join(Columns, ", "))
	case err != nil:
		return nil, malformed(name, err)
	}
	if problems := checkHeader(header); len(problems) > 0 {
		return nil, &InvalidError{File: name, Problems: problems}
	}
	var rows []csvRow
	for {
		fields, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, malformed(name, err)
		}
		if !slices.ContainsFunc(fields, func(f string) bool { return strings.TrimSpace(f) != "" }) {
			continue // a spreadsheet's empty row
		}
		line, _ := cr.FieldPos(0)
		rows = append(rows, csvRow{line: line, header: header, fields: fields})
	}
}

func malformed(name string, err error) error {
	var pe *csv.ParseError
	switch {
	case errors.As(err, &pe) && pe.StartLine != pe.Line:
		return fmt.Errorf("register: %s:%d: malformed CSV (the row starts on line %d): %w", name, pe.Line, pe.StartLine, pe.Err)
	case errors.As(err, &pe):
		return fmt.Errorf("register: %s:%d: malformed CSV: %w", name, pe.Line, pe.Err)
	}
	return fmt.Errorf("register: reading %s: %w", name, err)
}

// checkHeader normalises the column names in place and returns every problem with them.
func checkHeader(header []string) []Problem {
	var problems []Problem
	problem := func(field, format string, args ...any) {
		problems = append(problems, Problem{Line: 1, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	for i, h := range header {
		h = strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(h)))
		header[i] = h
		switch {
		case h == "":
			problem("", "column %d has no name", i+1)
		case !slices.Contains(Columns, h):
			problem(h, "unknown column (want %s)", strings.Join(Columns, ", "))
		case slices.Index(header, h) < i:
			problem(h, "named twice")
		}
	}
	for _, c := range requiredColumns {
		if !slices.Contains(header, c) {
			problem(c, "missing (the header must name %s)", strings.Join(requiredColumns, ", "))
		}
	}
	return problems
}

// get returns the row's value of the column, "" when the file has no such column.
func (r csvRow) get(column string) string {
	if i := slices.Index(r.header, column); i >= 0 && i < len(r.fields) {
		return strings.TrimSpace(r.fields[i])
	}
	return ""
}

// authorisation checks the row and returns the authorisation it records and every
// problem, each with the row's line. The error is for a failing database only.
func (r csvRow) authorisation(ctx context.Context, res *resolver, recordedBy string, loc *time.Location, now time.Time) (store.Authorisation, []Problem, error) {
	if len(r.fields) != len(r.header) {
		return store.Authorisation{}, []Problem{{Line: r.line, Message: fmt.Sprintf("%d fields, but the header names %d columns", len(r.fields), len(r.header))}}, nil
	}
	e := Entry{
		Customer: r.get(FieldCustomer), Technician: r.get(FieldTechnician), Device: r.get(FieldDevice),
		Scope: r.get(FieldScope), GrantedBy: r.get(FieldGrantedBy), Evidence: r.get(FieldEvidence),
		RecordedBy: recordedBy,
	}
	var problems []Problem
	if s := r.get(FieldValidFrom); s != "" {
		t, err := ParseStart(s, loc)
		if err != nil {
			problems = append(problems, Problem{Field: FieldValidFrom, Message: err.Error()})
		}
		e.From = t
	}
	if s := r.get(FieldValidTo); s != "" {
		t, err := ParseEnd(s, loc)
		if err != nil {
			problems = append(problems, Problem{Field: FieldValidTo, Message: err.Error()})
		} else {
			e.To = &t
		}
	}
	a, more, err := res.authorisation(ctx, e, now)
	if err != nil {
		return a, nil, err
	}
	for _, p := range more {
		// A time that did not parse is reported once, not again as missing.
		if !slices.ContainsFunc(problems, func(q Problem) bool { return q.Field == p.Field }) {
			problems = append(problems, p)
		}
	}
	for i := range problems {
		problems[i].Line = r.line
	}
	return a, problems, nil
}

// sourceID is the row's identity: the file's base name, its line and its content.
func (r csvRow) sourceID(name string) string {
	h := sha256.New()
	for _, s := range append([]string{filepath.Base(name), strconv.Itoa(r.line)}, r.fields...) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return "csv-" + hex.EncodeToString(h.Sum(nil))[:16]
}
