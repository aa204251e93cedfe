// Package auth says who is asking the console or the API, and what they may do:
// roles, the principal of a request, sign-in through Microsoft Entra ID (OpenID
// Connect), sessions and API tokens kept in the store, CSRF tokens, and the security
// headers of every answer.
package auth

import (
	"fmt"
	"strings"
)

// Role is what a person or token may do. Roles are ordered: each includes the ones
// below it.
type Role int

// The roles, least first.
const (
	// Viewer reads findings, reports, coverage and the audit trail.
	Viewer Role = iota + 1
	// Auditor is a viewer who may also export evidence.
	Auditor
	// Operator is an auditor who may also triage findings and change
	// authorisations, verified backups, exclusions and identity links.
	Operator
	// Admin is an operator who may also manage API tokens, test receivers and view
	// the settings.
	Admin
)

// Roles lists every role, least first.
var Roles = []Role{Viewer, Auditor, Operator, Admin}

var roleNames = map[Role]string{Viewer: "viewer", Auditor: "auditor", Operator: "operator", Admin: "admin"}

func (r Role) String() string {
	if n, ok := roleNames[r]; ok {
		return n
	}
	return fmt.Sprintf("role(%d)", int(r))
}

// Allows says whether r may do what needs the role need.
func (r Role) Allows(need Role) bool { return r >= need && r >= Viewer && r <= Admin }

// ParseRole reads a role's name (viewer, auditor, operator, admin).
func ParseRole(s string) (Role, error) {
	for r, n := range roleNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return r, nil
		}
	}
	return 0, fmt.Errorf("unknown role %q: want viewer, auditor, operator or admin", s)
}

// MarshalText writes the role's name.
func (r Role) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads a role's name.
func (r *Role) UnmarshalText(b []byte) error {
	v, err := ParseRole(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}
