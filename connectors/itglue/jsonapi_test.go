package itglue

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/connectors/connectortest"
	"github.com/custos-msp/custos/record"
)

func TestDecodeDocument(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantIDs  []int64
		wantNext int
		wantErr  string
		// wantBad is the error of the one resource that does not decode (primary, or
		// included when wantBadIncluded), wantBadID its id (0: unreadable).
		wantBad         string
		wantBadID       int64
		wantBadIncluded bool
	}{
		{
			name:     "array with next page",
			body:     `{"data":[{"id":"123456789012345","type":"configurations","attributes":{}}],"meta":{"current-page":1,"next-page":2},"links":{"next":"x"}}`,
			wantIDs:  []int64{123456789012345},
			wantNext: 2,
		},
		{
			name:    "array on the last page",
			body:    `{"data":[{"id":"1","type":"configurations","attributes":{}},{"id":"2","type":"configurations","attributes":{}}],"meta":{"next-page":null},"links":{"next":null}}`,
			wantIDs: []int64{1, 2},
		},
		{
			name:    "single object",
			body:    `{"data":{"id":"31200520","type":"configurations","attributes":{"name":"CON-FW01"}}}`,
			wantIDs: []int64{31200520},
		},
		{
			name:     "no meta: next page from links.next",
			body:     `{"data":[],"links":{"next":"https://api.itglue.com/configurations?page%5Bnumber%5D=3&page%5Bsize%5D=50"}}`,
			wantNext: 3,
		},
		{name: "empty list", body: `{"data":[],"meta":{"next-page":null}}`},
		{
			name:    "non-numeric id names the resource",
			body:    `{"data":[{"id":"abc","type":"configurations","attributes":{}}]}`,
			wantBad: `resource of type "configurations": id: "abc" is not a numeric id`,
		},
		{
			name:    "numeric id sent as a number",
			body:    `{"data":[{"id":42,"type":"configurations","attributes":{}}]}`,
			wantBad: "want a string",
		},
		{
			name:    "wrong type",
			body:    `{"data":[{"id":"1","type":"organizations","attributes":{}}]}`,
			wantErr: `want type "configurations"`,
		},
		{name: "no data", body: `{"meta":{}}`, wantErr: "no data member"},
		{name: "errors body", body: `{"errors":[{"status":"422","title":"Bad","detail":"no"}]}`, wantErr: "carries errors"},
		{name: "not JSON", body: `<html>`, wantErr: "decoding JSON:API document"},
		{
			name:    "truncated inside a resource",
			body:    `{"data":[{"id":"1","type":"configurations","attributes":{"name":"CON-`,
			wantErr: "decoding JSON:API document",
		},
		{
			name:    "data after the document",
			body:    `{"data":[]} {}`,
			wantErr: "decoding JSON:API document",
		},
		{
			name: "bad attribute names the resource and leaves its neighbours",
			body: `{"data":[{"id":"6","type":"configurations","attributes":{}},{"attributes":{"created-at":"yesterday"},"id":"7","type":"configurations"},` +
				`{"id":"8","type":"configurations","attributes":{}}]}`,
			wantIDs:   []int64{6, 8},
			wantBad:   `resource configurations 7: attributes.created-at: "yesterday" is not a timestamp`,
			wantBadID: 7,
		},
		{
			name:      "wrongly typed attribute (a number as a string)",
			body:      `{"data":[{"id":"9","type":"configurations","attributes":{"organization-id":"twelve"}}]}`,
			wantBad:   `resource configurations 9: attributes.organization-id`,
			wantBadID: 9,
		},
		{
			name:            "bad included id",
			body:            `{"data":[],"included":[{"id":"x","type":"attachments"}]}`,
			wantBad:         `id: "x" is not a numeric id`,
			wantBadIncluded: true,
		},
		{
			name:      "bad linkage id",
			body:      `{"data":[{"id":"1","type":"configurations","attributes":{},"relationships":{"attachments":{"data":[{"id":"","type":"attachments"}]}}}]}`,
			wantBad:   "relationships.attachments",
			wantBadID: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := decodeDocument[configurationAttributes, attachmentAttributes]([]byte(tt.body), "configurations")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("decodeDocument: %v", err)
			}
			var ids []int64
			for _, r := range doc.Data {
				ids = append(ids, r.ID)
			}
			if len(ids) != len(tt.wantIDs) {
				t.Fatalf("ids = %v, want %v", ids, tt.wantIDs)
			}
			for i := range ids {
				if ids[i] != tt.wantIDs[i] {
					t.Errorf("ids = %v, want %v", ids, tt.wantIDs)
				}
			}
			if doc.NextPage != tt.wantNext {
				t.Errorf("NextPage = %d, want %d", doc.NextPage, tt.wantNext)
			}
			bad, other := doc.Bad, doc.BadIncluded
			if tt.wantBadIncluded {
				bad, other = other, bad
			}
			switch {
			case tt.wantBad == "" && len(bad)+len(other) > 0:
				t.Errorf("bad resources %v, %v; want none", bad, other)
			case tt.wantBad != "" && (len(bad) != 1 || len(other) != 0):
				t.Errorf("bad resources %v, %v; want one", bad, other)
			case tt.wantBad != "" && (!strings.Contains(bad[0].Error(), tt.wantBad) || bad[0].ID != tt.wantBadID || len(bad[0].Raw) == 0):
				t.Errorf("bad resource %d %q (raw %q), want %d %q with its bytes", bad[0].ID, bad[0].Err, bad[0].Raw, tt.wantBadID, tt.wantBad)
			}
		})
	}
}

func TestTimestamp_Lenient(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		set  bool
	}{
		{`"2026-10-26T21:14:09.000Z"`, time.Date(2026, 10, 26, 21, 14, 9, 0, time.UTC), true},
		{`"2026-10-26T21:14:09Z"`, time.Date(2026, 10, 26, 21, 14, 9, 0, time.UTC), true},
		{`"2026-10-26T23:14:09.123+02:00"`, time.Date(2026, 10, 26, 21, 14, 9, 123e6, time.UTC), true},
		{`"2026-10-22"`, time.Date(2026, 10, 22, 0, 0, 0, 0, time.UTC), true},
		{`null`, time.Time{}, false},
		{`""`, time.Time{}, false},
	}
	for _, tt := range tests {
		var ts timestamp
		if err := ts.UnmarshalJSON([]byte(tt.in)); err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if ts.Set != tt.set || !ts.Time.Equal(tt.want) {
			t.Errorf("%s = %v (set %v), want %v (set %v)", tt.in, ts.Time, ts.Set, tt.want, tt.set)
		}
	}
	for _, bad := range []string{`"26/10/2026"`, `1793577600`} {
		var ts timestamp
		if err := ts.UnmarshalJSON([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestRefID_NumberStringOrNull(t *testing.T) {
	for in, want := range map[string]refID{`2519664`: 2519664, `"2519664"`: 2519664, `null`: 0, `123456789012345`: 123456789012345} {
		var id refID
		if err := id.UnmarshalJSON([]byte(in)); err != nil || id != want {
			t.Errorf("%s = %d (%v), want %d", in, id, err, want)
		}
	}
	var id refID
	if err := id.UnmarshalJSON([]byte(`"abc"`)); err == nil {
		t.Error(`"abc": no error`)
	}
}

func TestConfigPage_LinkageToMissingIncludedIsQuarantined(t *testing.T) {
	body := `{"data":[{"id":"31200533","type":"configurations","attributes":{"organization-id":2519664,"name":"CON-SW01"},
		"relationships":{"attachments":{"data":[{"id":"9911201","type":"attachments"}]}}}],"included":[],"meta":{"next-page":null}}`
	doc, err := decodeDocument[configurationAttributes, attachmentAttributes]([]byte(body), "configurations")
	if err != nil {
		t.Fatal(err)
	}
	p := configPage{orgID: 2519664, doc: doc, sink: &connectortest.Sink{}, where: "GET /configurations page 1"}
	recs, err := p.records(context.Background())
	if err != nil || len(recs) != 1 {
		t.Fatalf("records %v, err %v; want one quarantined record", recs, err)
	}
	q, ok := recs[0].(*record.Quarantined)
	if !ok || q.SourceID != "31200533" || q.Kind != record.QuarantinedConfiguration || q.Page != p.where ||
		!strings.Contains(q.Err, "attachment 9911201") || !strings.Contains(string(q.Raw), "CON-SW01") {
		t.Errorf("record %+v, want configuration 31200533 quarantined naming the missing attachment", recs[0])
	}
}

func TestConfigPage_OtherOrganizationSkippedWithWarning(t *testing.T) {
	body := `{"data":[
		{"id":"1","type":"configurations","attributes":{"organization-id":2519664,"name":"A"},"relationships":{"attachments":{"data":[]}}},
		{"id":"2","type":"configurations","attributes":{"organization-id":2519671,"name":"B"},"relationships":{"attachments":{"data":[]}}}],
		"meta":{"next-page":null}}`
	doc, err := decodeDocument[configurationAttributes, attachmentAttributes]([]byte(body), "configurations")
	if err != nil {
		t.Fatal(err)
	}
	sink := &connectortest.Sink{}
	p := configPage{orgID: 2519664, doc: doc, sink: sink}
	recs, err := p.records(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].(*record.Configuration).Name != "A" || len(sink.Warns) != 1 {
		t.Errorf("records %v, warnings %v; want A only and one warning", recs, sink.Warns)
	}
}
