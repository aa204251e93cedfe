package register_test

import (
	"encoding/csv"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/register"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

func importCSV(st *store.Store, name, text string, loc *time.Location) (int, error) {
	return register.ImportCSV(ctx, st, strings.NewReader(text), name, "importer", loc, now)
}

// goodFile has a byte order mark, CRLF line ends, columns in another order and case,
// blank rows, quotes, and each kind of time.
const goodFile = "\ufeffScope,Customer,Technician,DEVICE,Valid From,valid-to,granted_by,evidence\r\n" +
	"remote,Contoso Ltd,Bob Jones,PC-042,2026-11-21 09:00,2026-11-21 17:00,Jane Doe,T20261121.0001\r\n" +
	"\r\n" +
	",,,,,,,\r\n" +
	"admin,\"Contoso Ltd\",any,,2026-11-21,2026-11-30,\"Doe, Jane\",\"mail <abc@contoso.com>\"\r\n" +
	"removal,Fabrikam,Alice Smith,any,2026-11-21T08:00:00Z,,Tom Fab,T2\r\n"

func TestImportCSV_ImportsEveryRowOnceAndAgainNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := seed(t, st)
		ny, err := time.LoadLocation("America/New_York")
		if err != nil {
			t.Skipf("no time zone database: %v", err)
		}
		n, err := importCSV(st, "auth.csv", goodFile, ny)
		if err != nil || n != 3 {
			t.Fatalf("import = %d, %v; want 3 new", n, err)
		}
		var got []store.Authorisation
		if err := storetest.DB(ctx, st).Order("id").Find(&got).Error; err != nil {
			t.Fatal(err)
		}
		want := []struct {
			customer, tech, device *uint
			scope                  string
			from                   time.Time
			to                     *time.Time
			grantedBy, evidence    string
		}{
			// 09:00 and 17:00 in New York in November are 14:00 and 22:00 UTC.
			{&w.contoso.ID, &w.bob.ID, &w.pc42.ID, "remote", time.Date(2026, 11, 21, 14, 0, 0, 0, time.UTC),
				ptr(time.Date(2026, 11, 21, 22, 0, 0, 0, time.UTC)), "Jane Doe", "T20261121.0001"},
			// A date alone starts at midnight; as an end it includes the day.
			{&w.contoso.ID, nil, nil, "admin", time.Date(2026, 11, 21, 5, 0, 0, 0, time.UTC),
				ptr(time.Date(2026, 12, 1, 5, 0, 0, 0, time.UTC)), "Doe, Jane", "mail <abc@contoso.com>"},
			{&w.fabrikam.ID, &w.alice.ID, nil, "removal", time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC), nil, "Tom Fab", "T2"},
		}
		if len(got) != len(want) {
			t.Fatalf("%d rows stored, want %d", len(got), len(want))
		}
		for i, a := range got {
			wa := want[i]
			if idOrNil(a.CustomerID) != idOrNil(wa.customer) || idOrNil(a.TechnicianID) != idOrNil(wa.tech) || idOrNil(a.DeviceID) != idOrNil(wa.device) ||
				a.AccessScope != wa.scope || !a.ValidFrom.Equal(wa.from) || (a.ValidTo == nil) != (wa.to == nil) || (wa.to != nil && !a.ValidTo.Equal(*wa.to)) ||
				a.GrantedBy != wa.grantedBy || a.Evidence != wa.evidence {
				t.Errorf("row %d = %+v, want %+v", i, a, wa)
			}
			if a.Source != register.Source || a.Stream != register.StreamCSV || !strings.HasPrefix(a.SourceID, "csv-") ||
				len(a.SourceID) != len("csv-")+16 || a.RecordedBy != "importer" || !a.RecordedAt.Equal(now) {
				t.Errorf("row %d provenance %q %q %q %q %v", i, a.Source, a.Stream, a.SourceID, a.RecordedBy, a.RecordedAt)
			}
		}

		// The same file again, from another directory, adds nothing.
		for _, name := range []string{"auth.csv", "/srv/tickets/auth.csv"} {
			if n, err := importCSV(st, name, goodFile, ny); err != nil || n != 0 {
				t.Errorf("re-import as %s = %d, %v; want 0 new", name, n, err)
			}
		}
		if n := count(t, st); n != 3 {
			t.Errorf("%d authorisations after re-imports, want 3", n)
		}
		// A new row in the file is the only new authorisation.
		if n, err := importCSV(st, "auth.csv", goodFile+"remote,Contoso Ltd,any,any,2026-11-22,,Jane Doe,T3\r\n", ny); err != nil || n != 1 {
			t.Errorf("import with one more row = %d, %v; want 1 new", n, err)
		}
	})
}

func TestImportCSV_ErrorsOnSeveralLinesImportNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seed(t, st)
		file := "customer,technician,device,scope,valid_from,valid_to,granted_by,evidence\n" +
			"Contoso Ltd,Bob Jones,PC-042,remote,2026-11-21 09:00,2026-11-21 17:00,Jane Doe,T1\n" +
			"Contoso Ltd,Bob Jones,PC-042,remote,2026-11-21 09:00,2026-13-01,Jane Doe,T1\n" +
			"Contso,Bob Jones,any,remote,2026-11-21 09:00,,Jane Doe,T1\n" +
			"Contoso Ltd,Bobby,PC-042,everything,2026-11-21 09:00,,,T1\n" +
			"\n" +
			"Contoso Ltd,any,any,remote,tomorrow,2026-11-20,Jane Doe,T1\n" +
			"Contoso Ltd,any,any,remote,2026-11-21 17:00,2026-11-21 09:00,Jane Doe,T1\n" +
			"Contoso Ltd,any,any,remote,2026-11-21 09:00\n"
		n, err := importCSV(st, "auth.csv", file, nil)
		var invalid *register.InvalidError
		if !errors.As(err, &invalid) || n != 0 {
			t.Fatalf("import = %d, %v; want an *InvalidError", n, err)
		}
		type place struct {
			line  int
			field string
		}
		var got []place
		for _, p := range invalid.Problems {
			got = append(got, place{p.Line, p.Field})
		}
		want := []place{
			{3, "valid_to"},
			{4, "customer"},
			{5, "technician"}, {5, "scope"}, {5, "granted_by"},
			{7, "valid_from"},
			{8, "valid_to"},
			{9, ""},
		}
		if !slices.Equal(got, want) {
			t.Errorf("problems at %v\nwant %v", got, want)
		}
		for _, line := range []string{
			`auth.csv:3: column valid_to: "2026-13-01" is not a date (want 2026-11-21 or 2026-11-21 14:30 or RFC 3339)`,
			`auth.csv:4: column customer: no customer is called "Contso"`,
			`auth.csv:5: column technician: no technician is called "Bobby"`,
			`auth.csv:7: column valid_from: "tomorrow" is not a date`,
			`auth.csv:9: 5 fields, but the header names 8 columns`,
		} {
			if !strings.Contains(err.Error(), line) {
				t.Errorf("error lacks %q:\n%s", line, err)
			}
		}
		if n := count(t, st); n != 0 {
			t.Errorf("%d authorisations imported from a file with errors, want none", n)
		}
	})
}

func TestImportCSV_RefusesBadHeaders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seed(t, st)
		tests := []struct {
			header string
			fields []string
		}{
			{"customer,scope,valid_from,granted_by,colour", []string{"colour"}},
			{"customer,technician,valid_from", []string{"scope", "granted_by"}},
			{"customer,scope,Scope,valid_from,granted_by", []string{"scope"}},
			{"customer,scope,valid_from,granted_by,", []string{""}},
		}
		for _, tt := range tests {
			t.Run(tt.header, func(t *testing.T) {
				_, err := importCSV(st, "auth.csv", tt.header+"\nContoso Ltd,remote,2026-11-21,Jane Doe,x\n", nil)
				var invalid *register.InvalidError
				if !errors.As(err, &invalid) {
					t.Fatalf("err = %v, want an *InvalidError", err)
				}
				var fields []string
				for _, p := range invalid.Problems {
					fields = append(fields, p.Field)
					if p.Line != 1 {
						t.Errorf("problem %+v is not on line 1", p)
					}
				}
				if !slices.Equal(fields, tt.fields) {
					t.Errorf("problems %+v, want columns %v", invalid.Problems, tt.fields)
				}
			})
		}
	})
}

func TestImportCSV_RefusesMalformedFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seed(t, st)
		header := "customer,scope,valid_from,granted_by\n"
		row := "Contoso Ltd,remote,2026-11-21,Jane Doe\n"
		tests := []struct {
			name, file string
			is         error
			mentions   string
		}{
			{"bare quote", header + row + "Con\"toso,remote,2026-11-21,Jane\n", csv.ErrBareQuote, "auth.csv:3:"},
			{"unterminated quote", header + row + row + "\"Contoso,remote,2026-11-21,Jane\n" + row, csv.ErrQuote, "starts on line 4"},
			{"empty file", "", nil, "auth.csv is empty"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := importCSV(st, "auth.csv", tt.file, nil)
				if err == nil || (tt.is != nil && !errors.Is(err, tt.is)) || !strings.Contains(err.Error(), tt.mentions) {
					t.Errorf("err = %v; want %v mentioning %q", err, tt.is, tt.mentions)
				}
			})
		}
		var invalid *register.InvalidError
		if _, err := register.ImportCSV(ctx, st, strings.NewReader(header+row), "auth.csv", " ", nil, now); !errors.As(err, &invalid) ||
			invalid.Problems[0].Field != register.FieldRecordedBy {
			t.Errorf("import by nobody: %v, want a recorded_by problem", err)
		}
		if n := count(t, st); n != 0 {
			t.Errorf("%d authorisations imported, want none", n)
		}
	})
}

func TestImportCSV_CountsNewRowsAcrossBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seed(t, st)
		var b strings.Builder
		b.WriteString("customer,scope,valid_from,granted_by\n")
		for i := range 450 {
			b.WriteString("Contoso Ltd,remote," + now.Add(time.Duration(i)*time.Minute).Format(time.RFC3339) + ",Jane Doe\n")
		}
		for _, want := range []int{450, 0} {
			if n, err := importCSV(st, "big.csv", b.String(), nil); err != nil || n != want {
				t.Errorf("import = %d, %v; want %d new", n, err, want)
			}
		}
		if n := count(t, st); n != 450 {
			t.Errorf("%d authorisations stored, want 450", n)
		}
	})
}
