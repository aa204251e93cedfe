package autotask

import (
	"testing"

	"github.com/custos-msp/custos/config"
)

func TestFindMarker(t *testing.T) {
	tests := []struct {
		name, text  string
		wantGrantor string
		wantFound   bool
	}{
		{"name", "Authorised by: Jane Doe", "Jane Doe", true},
		{"e-mail", "Authorised by: jane@contoso.example", "jane@contoso.example", true},
		{"case", "AUTHORISED BY: Jane Doe", "Jane Doe", true},
		{"leading spaces and tab", "Called.\n  \tauthorised by:   Jane Doe  \nDone.", "Jane Doe", true},
		{"CRLF lines", "Called.\r\nAuthorised by: Jane Doe\r\nDone.", "Jane Doe", true},
		{"names nobody", "Authorised by:", "", true},
		{"absent", "Jane Doe authorised this by phone.", "", false},
		{"mid-line is not a marker", "Note: Authorised by: Jane Doe", "", false},
		{"empty text", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found := findMarker(tt.text, "Authorised by:")
			if got != tt.wantGrantor || found != tt.wantFound {
				t.Errorf("findMarker = %q, %v; want %q, %v", got, found, tt.wantGrantor, tt.wantFound)
			}
		})
	}
	if _, found := findMarker("Authorised by: x", "  "); found {
		t.Error("a blank marker matched")
	}
}

func TestNotePermission(t *testing.T) {
	human, system := int64(29682885), int64(systemResourceID)
	tests := []struct {
		name      string
		noteTypes []int64
		n         note
		want      bool
	}{
		{"marker", nil, note{Description: "Authorised by: Jane", CreatorResourceID: &human}, true},
		{"system note with marker", nil, note{Description: "Authorised by: Jane", CreatorResourceID: &system}, false},
		{"system note of a configured type", []int64{1}, note{NoteType: 1, CreatorResourceID: &system}, false},
		{"configured type", []int64{3, 17}, note{NoteType: 17, CreatorResourceID: &human}, true},
		{"other type", []int64{3}, note{NoteType: 1, CreatorResourceID: &human}, false},
		{"written by a contact (no creator resource)", nil, note{Description: "authorised by: me"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Connector{cfg: config.Autotask{Marker: "Authorised by:", NoteTypes: tt.noteTypes}}
			if _, got := c.notePermission(tt.n); got != tt.want {
				t.Errorf("notePermission = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMatchContact(t *testing.T) {
	contacts := []contact{
		{ID: 1, FirstName: "Jane", LastName: "Doe", EmailAddress: "jane.doe@contoso.example"},
		{ID: 2, FirstName: "Tom", LastName: "Reed", EmailAddress2: "tom@contoso.example"},
	}
	tests := []struct {
		text string
		want int64
	}{
		{"Jane Doe", 1},
		{"jane  doe", 1},
		{"JANE.DOE@contoso.example", 1},
		{"Tom Reed <tom@contoso.example>", 2},
		{"tom@contoso.example", 2},
		{"Jane", 0},
		{"someone@else.example", 0},
	}
	for _, tt := range tests {
		ct, ok := matchContact(tt.text, contacts)
		if (tt.want == 0 && ok) || (tt.want != 0 && ct.ID != tt.want) {
			t.Errorf("matchContact(%q) = %d, %v; want %d", tt.text, ct.ID, ok, tt.want)
		}
	}
}
