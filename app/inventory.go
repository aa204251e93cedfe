package app

import (
	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/jobs"
	"github.com/custos-msp/custos/store"
)

// InventoryEntry is one column of the record of processing: a column that can hold
// personal data, whose, why Custos keeps it, how it is protected at rest and how long
// the configured retention keeps it.
type InventoryEntry struct {
	Table      string           `json:"table"`
	About      string           `json:"about"`
	Column     string           `json:"column"`
	Categories []store.Category `json:"categories"`
	Why        string           `json:"why"`
	// Protection is "sealed" (encrypted with the seal key) or "clear text".
	Protection string `json:"protection"`
	Kept       string `json:"kept"`
}

// DataInventory lists every column of every table that can hold personal data, with
// the retention the configuration sets: the record of processing an auditor asks for.
func DataInventory(retention config.Retention) []InventoryEntry {
	policy := jobs.PolicyFromConfig(retention)
	var out []InventoryEntry
	for _, t := range store.Tables() {
		inv := t.InventoryOf()
		for _, p := range inv.Personal {
			protection := "clear text"
			if p.Sealed {
				protection = "sealed"
			}
			out = append(out, InventoryEntry{
				Table: t.Name, About: inv.About, Column: p.Column, Categories: p.Categories, Why: p.Why,
				Protection: protection, Kept: policy.Keeping(t, p),
			})
		}
	}
	return out
}
