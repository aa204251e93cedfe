package itglue

import (
	"encoding/json"
	"testing"

	"github.com/custos-msp/custos/connectors/connectortest"
)

// FuzzDecodeDocument decodes mutated JSON:API documents, seeded with the IT Glue
// fixtures one resource a document (whole fixture files of 20 KB made the fuzzer spend
// its minute minimising). A document decodes or fails whole; a resource in it decodes
// or is bad, with its id when readable, its bytes and why, and never fails its
// neighbours.
func FuzzDecodeDocument(f *testing.F) {
	for _, b := range connectortest.ReadFiles(f, "../../fixtures/itglue/testdata/*.json") {
		var doc struct {
			Data []json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			f.Fatal(err)
		}
		for _, r := range doc.Data {
			f.Add([]byte(`{"data":[` + string(r) + `],"meta":{"next-page":null}}`))
		}
	}
	f.Add([]byte(`{"data":[{"id":"6","type":"configurations","attributes":{}},{"attributes":{"created-at":"yesterday"},"id":"7","type":"configurations"}],"included":[{"id":"x","type":"attachments"}],"meta":{"next-page":2}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		doc, err := decodeDocument[configurationAttributes, attachmentAttributes](body, "configurations")
		if err != nil {
			if doc != nil {
				t.Fatal("a document and an error")
			}
			return
		}
		if doc.NextPage < 0 {
			t.Errorf("next page %d", doc.NextPage)
		}
		for _, r := range doc.Data {
			if r.ID <= 0 || r.Type != "configurations" || !json.Valid(r.Raw) {
				t.Errorf("decoded resource id %d type %q raw %q", r.ID, r.Type, r.Raw)
			}
		}
		for id, r := range doc.Included {
			if id.ID != r.ID || id.Type != r.Type || r.ID <= 0 {
				t.Errorf("included %+v holds resource %d %q", id, r.ID, r.Type)
			}
		}
		for _, bad := range append(doc.Bad, doc.BadIncluded...) {
			if bad.Err == nil || len(bad.Raw) == 0 || bad.ID < 0 {
				t.Errorf("bad resource %+v lacks its error or bytes", bad)
			}
			if q := bad.quarantine("configuration", "GET /configurations page 1"); q.Err == "" || (q.SourceID == "") != (bad.ID == 0) {
				t.Errorf("quarantined %+v from %+v", q, bad)
			}
		}
	})
}
