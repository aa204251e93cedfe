package dattormm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// usersPath lists the account's users.
const usersPath = "/api/v2/account/users"

// UsersStream lists the account's users: the technicians as Datto RMM knows them.
type UsersStream struct {
	c *Connector
}

// Name implements connectors.Stream.
func (s *UsersStream) Name() string { return "users" }

// Mode implements connectors.Stream.
func (s *UsersStream) Mode() connectors.Mode { return connectors.Snapshot }

// Needs implements connectors.Stream.
func (s *UsersStream) Needs() []string { return needs() }

// Scopes implements connectors.Stream: the whole account.
func (s *UsersStream) Scopes(context.Context) ([]connectors.Scope, error) {
	return accountScopes(), nil
}

// Pull implements connectors.Stream; each API page is one sink page.
func (s *UsersStream) Pull(ctx context.Context, _ connectors.Scope, from connectors.Cursor, sink connectors.Sink) (connectors.Cursor, error) {
	return s.c.pullListing(ctx, from, sink, listing{path: usersPath, key: "users", what: "users", record: toUserAccount})
}

// authUser is the part of an AuthUser that Custos reads.
type authUser struct {
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Username  string `json:"username"`
	Email     string `json:"email"`
	Disabled  bool   `json:"disabled"`
}

// toUserAccount maps a user. Its SourceID is the username, which activity logs name
// as the actor.
func toUserAccount(_ context.Context, item json.RawMessage, _ connectors.Sink) (record.Record, error) {
	var u authUser
	if err := json.Unmarshal(item, &u); err != nil {
		return quarantine(record.QuarantinedUserAccount, "username", nameID, item, fmt.Errorf("decoding the user: %w", err)), nil
	}
	if strings.TrimSpace(u.Username) == "" {
		return quarantine(record.QuarantinedUserAccount, "username", nameID, item, errors.New("the user has no username")), nil
	}
	return &record.UserAccount{
		Source: Name, SourceID: u.Username, Name: fullName(u.FirstName, u.LastName),
		Email: u.Email, Disabled: u.Disabled, Raw: append([]byte(nil), item...),
	}, nil
}

// fullName joins a first and a last name.
func fullName(first, last string) string {
	return strings.TrimSpace(strings.TrimSpace(first) + " " + strings.TrimSpace(last))
}
