package o365audit

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/custos-msp/custos/connectors/connectortest"
	"github.com/custos-msp/custos/record"
)

// The fixtures under testdata are record shapes seen in real tenants: a Power BI
// record with its numbers sent as strings, and an Azure AD record whose ObjectId is
// the placeholder "Not Available" (the object is named in Target).
func TestAccessEvent_RealWorldShapes(t *testing.T) {
	const customer = "4f8a2c1e-7b3d-4a5e-8c9f-1a2b3c4d5e6f"
	tests := []struct {
		file       string
		wantDetail string
		wantAttrs  map[string]string
	}{
		{
			file:       "testdata/powerbi-numbers-as-strings.json",
			wantDetail: "PowerBI: ExportReport on Finance KPIs",
			wantAttrs:  map[string]string{"record_type": "20", "operation_count": "1", "user_type": "9", "object_id": "Finance KPIs"},
		},
		{
			file:       "testdata/aad-objectid-not-available.json",
			wantDetail: "AzureActiveDirectory: Update group on Finance Team",
			wantAttrs:  map[string]string{"record_type": "8", "object_id": "", "actor_context_id": "b7e1c3a2-5d4f-4e6a-9b8c-0d1e2f3a4b5c"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			r, err := decodeRecord(raw)
			if err != nil {
				t.Fatalf("decodeRecord: %v", err)
			}
			e, err := accessEvent(customer, "Audit.General", "user_type", r, raw)
			if err != nil {
				t.Fatalf("accessEvent: %v", err)
			}
			if e.Detail != tt.wantDetail {
				t.Errorf("Detail = %q, want %q", e.Detail, tt.wantDetail)
			}
			for k, want := range tt.wantAttrs {
				if got := e.Attributes[k]; got != want {
					t.Errorf("attribute %s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestNumber_NumbersAndStrings(t *testing.T) {
	for in, want := range map[string]number{
		`20`: {20, true}, `"20"`: {20, true}, `"1.0"`: {1, true}, `1.0`: {1, true}, `" 7 "`: {7, true},
		`null`: {}, `""`: {}, `-3`: {-3, true},
	} {
		var n number
		if err := json.Unmarshal([]byte(in), &n); err != nil || n != want {
			t.Errorf("%s = %+v (%v), want %+v", in, n, err, want)
		}
	}
	for _, bad := range []string{`"1.5"`, `"twenty"`, `true`, `{}`, `"NaN"`, `1e300`} {
		var n number
		if err := json.Unmarshal([]byte(bad), &n); err == nil {
			t.Errorf("%s decoded as %+v, want an error", bad, n)
		}
	}
}

func TestBestTarget(t *testing.T) {
	tests := []struct {
		target, want string
	}{
		{`[{"ID":"User_6a1f","Type":2},{"ID":"User","Type":2},{"ID":"carol@contoso.example","Type":5},{"ID":"10037FFE","Type":3}]`, "carol@contoso.example"},
		{`[{"ID":"Group_7b8c","Type":2},{"ID":"Finance Team","Type":1}]`, "Finance Team"},
		{`[{"ID":"ServicePrincipal_1a2b","Type":"2"},{"ID":"","Type":5}]`, "ServicePrincipal_1a2b"},
		{`[{"ID":"odd","Type":9}]`, "odd"},
		{`[]`, ""},
	}
	for _, tt := range tests {
		var entries []targetEntry
		if err := json.Unmarshal([]byte(tt.target), &entries); err != nil {
			t.Fatal(err)
		}
		if got := bestTarget(entries); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.target, got, tt.want)
		}
	}
}

func TestRecords_UndecodableRecordIsQuarantinedBesideItsNeighbours(t *testing.T) {
	good, err := os.ReadFile("testdata/powerbi-numbers-as-strings.json")
	if err != nil {
		t.Fatal(err)
	}
	bad := []byte(`{"Id":"9a8b7c6d-0000-4000-8000-000000000001","RecordType":"twenty","UserType":9,"UserId":"bob.jones@msp.example"}`)
	p := &pullState{
		s:      &AuditStream{c: &Connector{partner: Partner{TenantID: "b7e1c3a2-5d4f-4e6a-9b8c-0d1e2f3a4b5c", Domains: []string{"msp.example"}}}, contentType: "Audit.General"},
		tenant: "4f8a2c1e-7b3d-4a5e-8c9f-1a2b3c4d5e6f", sink: &connectortest.Sink{}, cur: &auditCursor{}, emitted: map[string]bool{},
	}
	recs := p.records([]json.RawMessage{bad, good, []byte(`[1,2]`)}, "content blob 20261120091500000000001$20261120091500000000001$audit_general$Audit_General$emea0001")
	var kinds []string
	for _, r := range recs {
		switch r := r.(type) {
		case *record.AccessEvent:
			kinds = append(kinds, "event "+r.SourceID)
		case *record.Quarantined:
			if r.Page == "" || r.Err == "" || len(r.Raw) == 0 {
				t.Errorf("quarantined %+v lacks its page, error or excerpt", r)
			}
			kinds = append(kinds, "quarantined "+r.SourceID)
		}
	}
	want := []string{"quarantined 9a8b7c6d-0000-4000-8000-000000000001", "event 8f2c1d7e-4b6a-4e3f-9a1b-2c3d4e5f6a7b", "quarantined "}
	if len(kinds) != len(want) {
		t.Fatalf("records %q, want %q", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Errorf("records %q, want %q", kinds, want)
		}
	}
}
