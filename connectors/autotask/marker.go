package autotask

import (
	"slices"
	"strings"
)

// findMarker looks for a line of text that starts with marker, ignoring case and the
// line's leading spaces, and returns the rest of that line, trimmed: the contact who
// gave the permission (a name or an e-mail address; "" when the line names nobody).
func findMarker(text, marker string) (string, bool) {
	marker = strings.TrimSpace(marker)
	if marker == "" {
		return "", false
	}
	for line := range strings.Lines(text) {
		line = strings.TrimLeft(strings.TrimRight(line, "\r\n"), " \t\u00a0")
		if len(line) >= len(marker) && strings.EqualFold(line[:len(marker)], marker) {
			return strings.TrimSpace(line[len(marker):]), true
		}
	}
	return "", false
}

// isSystemNote says whether a note was written by Autotask itself (a workflow rule, a
// status change): those arrive under the system resource and are never a permission.
func isSystemNote(n note) bool {
	return n.CreatorResourceID != nil && *n.CreatorResourceID == systemResourceID
}

// notePermission says whether a note records a permission, and who gave it when the
// note names them: a human note whose note type is configured, or that carries the
// marker.
func (c *Connector) notePermission(n note) (grantor string, ok bool) {
	if isSystemNote(n) {
		return "", false
	}
	if grantor, ok := findMarker(n.Description, c.cfg.Marker); ok {
		return grantor, true
	}
	return "", slices.Contains(c.cfg.NoteTypes, n.NoteType)
}

// ticketPermission says whether a ticket itself records a permission: its
// description carries the marker, or its status is configured as "authorised".
func (c *Connector) ticketPermission(t ticket) (grantor string, ok bool) {
	if grantor, ok := findMarker(t.Description, c.cfg.Marker); ok {
		return grantor, true
	}
	return "", slices.Contains(c.cfg.Statuses, t.Status)
}
