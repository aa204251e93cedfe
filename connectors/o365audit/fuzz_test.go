package o365audit

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/custos-msp/custos/connectors/connectortest"
)

// FuzzDecodeRecord decodes mutated audit records, seeded with the real-world shapes
// under testdata: a record that decodes has an Id, its access event keeps it, and a
// number read writes back as a number that reads the same.
func FuzzDecodeRecord(f *testing.F) {
	for _, b := range connectortest.ReadFiles(f, "testdata/*.json") {
		f.Add(b)
	}
	f.Add([]byte(`{"Id":"1","RecordType":"20","CreationTime":"2026-11-20T09:14:07","OperationCount":"1.0","LogonType":"6","UserType":"PartnerTechnician"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := decodeRecord(raw)
		if err != nil {
			if r != nil {
				t.Fatal("a record and an error")
			}
			return
		}
		if r.ID == "" {
			t.Fatal("decoded a record without an Id")
		}
		for _, n := range []number{r.RecordType, r.LogonType, r.OperationCount} {
			if !n.set {
				continue
			}
			var again number
			if err := json.Unmarshal([]byte(strconv.Quote(n.String())), &again); err != nil || again != n {
				t.Errorf("%+v written as %q reads back as %+v (%v)", n, n.String(), again, err)
			}
		}
		_ = r.target()
		e, err := accessEvent("4f8a2c1e-7b3d-4a5e-8c9f-1a2b3c4d5e6f", "Audit.General", "user_type", r, raw)
		if err == nil && (e.SourceID != r.ID || e.StartedAt.IsZero()) {
			t.Errorf("event %+v from record %s", e, r.ID)
		}
	})
}
