package autotask

import (
	"strings"
	"testing"
)

// FuzzFindMarker looks for mutated markers in mutated notes: what it finds is one
// trimmed line's rest, and a marker written at the start of a line is always found.
func FuzzFindMarker(f *testing.F) {
	f.Add("Customer permission: Jane Doe\nRemote session approved.", "Customer permission:")
	f.Add("  \u00a0AUTHORISED BY jane.doe@contoso.example\r\nok", "authorised by")
	f.Add("nothing here", "")
	f.Add("Authorised by\n", "Authorised by")
	f.Fuzz(func(t *testing.T, text, marker string) {
		grantor, ok := findMarker(text, marker)
		if ok && (grantor != strings.TrimSpace(grantor) || strings.ContainsAny(grantor, "\n")) {
			t.Errorf("findMarker(%q, %q) = %q", text, marker, grantor)
		}
		if !ok && grantor != "" {
			t.Errorf("not found, but grantor %q", grantor)
		}
		m := strings.TrimSpace(marker)
		if m == "" || strings.ContainsAny(m, "\r\n") {
			return
		}
		if got, ok := findMarker(m+" Jane Doe\n"+text, marker); !ok || got != "Jane Doe" {
			t.Errorf("marker %q at the start of a line: %q, %v", marker, got, ok)
		}
	})
}
