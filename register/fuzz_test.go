package register

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
)

// FuzzReadCSV reads mutated authorisation registers: a file read has a header of
// known, distinct columns naming the required ones, and rows with a value each; every
// value parses as a start or an end, or fails, without panicking.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("customer,scope,valid_from,valid_to,granted_by,technician,device,evidence\n" +
		"Contoso Ltd,remote,2026-11-21,2026-11-21 17:00,Jane Doe,Bob Jones,CON-PC-001,T20261121.0009\n" +
		"Fabrikam Inc.,any,2026-11-01T08:00:00Z,,john@fabrikam.example,,,\n"))
	f.Add([]byte("\ufeffCustomer, Scope ,Valid-From,Granted By\n\"Contoso, Ltd\",admin,21/11/2026,Jane\n,,,\n"))
	f.Add([]byte("customer,scope,valid_from,granted_by\n\"Contoso,remote,2026-11-21,Jane\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := readCSV(bytes.NewReader(data), "auth.csv")
		if err != nil {
			return
		}
		for _, r := range rows {
			for i, h := range r.header {
				if !slices.Contains(Columns, h) || slices.Index(r.header, h) != i {
					t.Fatalf("header %q accepted", r.header)
				}
			}
			for _, c := range requiredColumns {
				if !slices.Contains(r.header, c) {
					t.Fatalf("header %q lacks %s", r.header, c)
				}
			}
			if !slices.ContainsFunc(r.fields, func(f string) bool { return strings.TrimSpace(f) != "" }) {
				t.Errorf("line %d is blank but was read", r.line)
			}
			for _, v := range r.fields {
				start, err := ParseStart(v, time.UTC)
				if err == nil && start.Location() != time.UTC {
					t.Errorf("%q starts at %v, not UTC", v, start)
				}
				end, err := ParseEnd(v, time.UTC)
				if err == nil && !start.IsZero() && end.Before(start) {
					t.Errorf("%q ends at %v, before it starts at %v", v, end, start)
				}
			}
		}
	})
}
