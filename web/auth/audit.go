package auth

import (
	"github.com/custos-msp/custos/store"
)

// EntryOf is the audit trail's row of change c.
func EntryOf(c Change) store.AuditEntry {
	role := ""
	if c.By.Role != 0 {
		role = c.By.Role.String()
	}
	return store.AuditEntry{
		At: c.At.UTC(), Subject: c.By.Subject, Name: c.By.Name, Role: role, Via: c.By.Via,
		FromAddress: c.From, Action: c.Action, Target: c.Target, Detail: c.Detail, Outcome: c.Outcome,
	}
}
