package console

import (
	"net/url"
	"testing"
	"time"
)

func TestParams_RefuseBadValuesNamingTheField(t *testing.T) {
	for _, tc := range []struct {
		name  string
		parse func(url.Values) error
		value url.Values
		field string
	}{
		{"id", func(v url.Values) error { _, err := optionalID(v, "customer"); return err }, url.Values{"customer": {"acme"}}, "customer"},
		{"ids", func(v url.Values) error { _, err := ids(v, "id"); return err }, url.Values{"id": {"3", "-1"}}, "id"},
		{"one of", func(v url.Values) error { _, err := oneOf(v, "status", "open", "resolved"); return err }, url.Values{"status": {"gone"}}, "status"},
		{"date", func(v url.Values) error { _, err := date(v, "since", time.UTC); return err }, url.Values{"since": {"1 Dec"}}, "since"},
		{"page", func(v url.Values) error { _, err := paging(v); return err }, url.Values{"page": {"0"}}, "page"},
		{"per", func(v url.Values) error { _, err := paging(v); return err }, url.Values{"per": {"100000"}}, "per"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.parse(tc.value)
			e, ok := err.(*Error)
			if !ok || e.Field != tc.field || e.Status != 400 {
				t.Fatalf("got %#v, want a 400 naming %q", err, tc.field)
			}
		})
	}
}

func TestParams_ReadGoodValues(t *testing.T) {
	v := url.Values{"customer": {"7"}, "id": {"1", "2"}, "status": {"open"}, "since": {"2026-12-01"}, "page": {"3"}, "per": {"20"}}
	if id, err := optionalID(v, "customer"); err != nil || *id != 7 {
		t.Errorf("optionalID = %v, %v", id, err)
	}
	if got, err := ids(v, "id"); err != nil || len(got) != 2 || got[1] != 2 {
		t.Errorf("ids = %v, %v", got, err)
	}
	if s, err := oneOf(v, "status", "open"); err != nil || s != "open" {
		t.Errorf("oneOf = %q, %v", s, err)
	}
	if d, err := date(v, "since", time.UTC); err != nil || d.Day() != 1 {
		t.Errorf("date = %v, %v", d, err)
	}
	if p, err := paging(v); err != nil || p.Offset() != 40 {
		t.Errorf("paging = %+v, %v", p, err)
	}
	if id, err := optionalID(url.Values{}, "customer"); err != nil || id != nil {
		t.Errorf("optionalID of nothing = %v, %v", id, err)
	}
}
