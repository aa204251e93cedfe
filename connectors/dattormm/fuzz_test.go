package dattormm

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/connectors/connectortest"
	"github.com/custos-msp/custos/record"
)

// fixtureFiles returns the Datto RMM fixtures' bytes.
func fixtureFiles(f *testing.F) [][]byte {
	return connectortest.ReadFiles(f, "../../fixtures/dattormm/testdata/*.json")
}

// FuzzDecodePage decodes mutated listing pages, seeded with the fixtures one item a
// page (whole fixture files made the fuzzer spend its minute minimising), and follows
// their next-page links: a decoded page's items are JSON values, and a followed link
// stays on the host and path of the page it came from.
func FuzzDecodePage(f *testing.F) {
	for _, b := range fixtureFiles(f) {
		var page map[string]json.RawMessage
		if json.Unmarshal(b, &page) != nil {
			continue
		}
		for key, raw := range page {
			var items []json.RawMessage
			if json.Unmarshal(raw, &items) != nil {
				continue
			}
			for _, item := range items {
				f.Add([]byte(`{"pageDetails":{"count":1,"nextPageUrl":null},"` + key + `":[` + string(item) + `]}`))
			}
		}
	}
	f.Add([]byte(`{"pageDetails":{"nextPageUrl":"https://merlot-api.centrastage.net/api/v2/account/devices?max=250&page=1"},"devices":[]}`))
	f.Add([]byte(`{"error":"boom","activities":null}`))
	cur, err := url.Parse("https://merlot-api.centrastage.net/api/v2/account/devices?max=250&page=0&filter=x")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, key := range []string{"devices", "sites", "users", "activities"} {
			p, err := decodePage(body, key)
			if err != nil {
				continue
			}
			for _, item := range p.items {
				if !json.Valid(item) {
					t.Errorf("%s item %q is not JSON", key, item)
				}
			}
			next, err := nextPage(cur, p.next)
			if err == nil && next != nil && (next.Host != cur.Host || next.Path != cur.Path || next.Query().Get("filter") != "x") {
				t.Errorf("followed %q to %s", p.next, next)
			}
		}
	})
}

// FuzzActivity decodes mutated activities, seeded with each fixture activity, and
// maps them: an activity that decodes has an id and a date, its access event carries
// that id, and one that does not decode is quarantined with a reason.
func FuzzActivity(f *testing.F) {
	for _, b := range fixtureFiles(f) {
		var page struct {
			Activities []json.RawMessage `json:"activities"`
		}
		if json.Unmarshal(b, &page) == nil {
			for _, a := range page.Activities {
				f.Add([]byte(a))
			}
		}
	}
	c := &Connector{log: zerolog.Nop(), unknownLogged: map[string]bool{}}
	f.Fuzz(func(t *testing.T, item []byte) {
		a, err := decodeActivity(item)
		if err != nil {
			q := quarantine(record.QuarantinedAccessEvent, "id", nameID, item, err)
			if q.Err == "" || len(q.Raw) > record.QuarantineExcerpt {
				t.Errorf("quarantined %+v", q)
			}
			return
		}
		if a.ID == "" || !a.Date.set {
			t.Fatalf("decoded activity %+v without an id or a date", a)
		}
		e := c.accessEvent(a, item, &connectortest.Sink{})
		if e == nil {
			return
		}
		if e.SourceID != a.ID || e.StartedAt.IsZero() || e.Kind == "" {
			t.Errorf("event %+v from activity %s", e, a.ID)
		}
		if e.EndedAt == nil && e.Kind == record.KindRemoteSession && e.Attributes["session_end"] != sessionEndNotLogged {
			t.Errorf("a session without an end does not say so: %v", e.Attributes)
		}
	})
}

// FuzzParseEpoch reads mutated timestamps: a time read is UTC, and reads again the
// same from its epoch milliseconds and from its RFC 3339 text.
func FuzzParseEpoch(f *testing.F) {
	for _, s := range []string{`1793484000000`, `1791885600`, `1791885600.25`, `"1791885600"`, `"2026-11-21T09:00:00Z"`,
		`-62135596800000`, `null`, `""`, `0`, `1e300`, `"NaN"`, `9999999999`, `10000000000`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, ok, err := parseEpoch(raw)
		if err != nil || !ok {
			return
		}
		if got.Location() != time.UTC {
			t.Errorf("%q read as %v, not UTC", raw, got)
		}
		if ms := got.UnixMilli(); ms > maxEpochSeconds {
			again, ok, err := parseEpoch([]byte(strconv.FormatInt(ms, 10)))
			if err != nil || !ok || !again.Equal(got.Truncate(time.Millisecond)) {
				t.Errorf("%q = %v; its milliseconds %d read back as %v (%v)", raw, got, ms, again, err)
			}
		}
		text := got.Format(time.RFC3339Nano)
		if strings.HasPrefix(text, "-") || got.Year() > 9999 {
			return // beyond RFC 3339's years
		}
		again, ok, err := parseEpoch([]byte(strconv.Quote(text)))
		if err != nil || !ok || !again.Equal(got) {
			t.Errorf("%q = %v; %s read back as %v (%v)", raw, got, text, again, err)
		}
	})
}
