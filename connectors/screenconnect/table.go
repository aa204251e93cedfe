package screenconnect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// table is a Report.json response: {"FieldNames":[…],"Items":[[…],…]}, rows
// positional. It is read by field name, never by position.
type table struct {
	fields []string
	index  map[string]int
	items  [][]json.RawMessage
}

// decodeTable decodes a Report.json body and checks that it has the fields want.
func decodeTable(body []byte, want []string) (*table, error) {
	var wire struct {
		FieldNames []string            `json:"FieldNames"`
		Items      [][]json.RawMessage `json:"Items"`
	}
	if err := json.Unmarshal(body, &wire); err != nil {
		return nil, fmt.Errorf("decoding the report: %w", err)
	}
	if wire.FieldNames == nil {
		return nil, fmt.Errorf("decoding the report: no FieldNames in %s", excerpt(body))
	}
	t := &table{fields: wire.FieldNames, index: make(map[string]int, len(wire.FieldNames)), items: wire.Items}
	for i, f := range wire.FieldNames {
		t.index[f] = i
	}
	for _, f := range want {
		if _, ok := t.index[f]; !ok {
			return nil, fmt.Errorf("the report has no field %s (it has %v)", f, wire.FieldNames)
		}
	}
	for i, item := range wire.Items {
		if len(item) != len(wire.FieldNames) {
			return nil, fmt.Errorf("row %d has %d values for %d fields", i, len(item), len(wire.FieldNames))
		}
	}
	return t, nil
}

// row is one row of a table.
type row struct {
	t *table
	i int
}

// rows returns the table's rows.
func (t *table) rows() []row {
	out := make([]row, len(t.items))
	for i := range out {
		out[i] = row{t, i}
	}
	return out
}

func (r row) value(field string) json.RawMessage { return r.t.items[r.i][r.t.index[field]] }

// str reads a text field; null is "", a number or a boolean reads as its text.
func (r row) str(field string) string {
	v := bytes.TrimSpace(r.value(field))
	if len(v) == 0 || string(v) == "null" {
		return ""
	}
	if v[0] == '"' {
		var s string
		if json.Unmarshal(v, &s) == nil {
			return s
		}
	}
	return string(v)
}

// boolean reads true, false, "True", "False", 1 or 0; null is false.
func (r row) boolean(field string) (bool, error) {
	s := r.str(field)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("%s: %q is not a boolean", field, s)
	}
	return b, nil
}

// time reads a date-time field (text or null); "never" and null are nil.
func (r row) time(field string) (*time.Time, error) {
	t, err := parseText(r.str(field))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	return t, nil
}

// enum reads an enum field given by name or by value, as names[value] or the name.
func (r row) enum(field string, names []string) string {
	s := r.str(field)
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n < len(names) {
		return names[n]
	}
	return s
}

// raw returns the row as a JSON object of field name to value, exactly as it came.
func (r row) raw() []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range r.t.fields {
		if i > 0 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(f)
		b.Write(name)
		b.WriteByte(':')
		b.Write(r.t.items[r.i][i])
	}
	b.WriteByte('}')
	return b.Bytes()
}

// excerpt shortens a payload for an error message.
func excerpt(b []byte) string {
	const maxLen = 120
	if len(b) > maxLen {
		return string(b[:maxLen]) + "…"
	}
	return string(b)
}
