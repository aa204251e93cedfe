package onlinecheck

import (
	"fmt"
	"slices"
	"strings"

	"github.com/custos-msp/custos/connectors"
)

// PermissionTable renders what each connector's streams need (their Needs) as a
// Markdown table, a row per connector and need with the streams that need it, in
// the connectors' and streams' order: the README's permission table.
func PermissionTable(conns []connectors.Connector) string {
	var b strings.Builder
	b.WriteString("| connector | what it needs | streams |\n| --- | --- | --- |\n")
	for _, c := range conns {
		type row struct {
			need    string
			streams []string
		}
		var rows []*row
		for _, s := range c.Streams() {
			for _, need := range s.Needs() {
				i := slices.IndexFunc(rows, func(r *row) bool { return r.need == need })
				if i < 0 {
					rows = append(rows, &row{need: need})
					i = len(rows) - 1
				}
				rows[i].streams = append(rows[i].streams, s.Name())
			}
		}
		for _, r := range rows {
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", c.Name(), escapeCell(r.need), strings.Join(r.streams, ", "))
		}
	}
	return b.String()
}

// escapeCell keeps a need inside its Markdown table cell.
func escapeCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
