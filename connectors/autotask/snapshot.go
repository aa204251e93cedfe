package autotask

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/record"
)

// entityStream lists every item of one entity (companies, resources, contacts) on
// every pull, in ascending id order, one sink page per API page.
type entityStream[T item] struct {
	c      *Connector
	name   string
	entity string
	// toRecords maps one page of items to records.
	toRecords func(ctx context.Context, rows []row[T], sink connectors.Sink) ([]record.Record, error)
}

// Name implements connectors.Stream.
func (s *entityStream[T]) Name() string { return s.name }

// Mode implements connectors.Stream.
func (s *entityStream[T]) Mode() connectors.Mode { return connectors.Snapshot }

// Needs implements connectors.Stream.
func (s *entityStream[T]) Needs() []string { return needs() }

// Scopes implements connectors.Stream: the whole account.
func (s *entityStream[T]) Scopes(context.Context) ([]connectors.Scope, error) {
	return []connectors.Scope{connectors.Account}, nil
}

// afterCursor resumes a listing after an id.
type afterCursor struct {
	After int64 `json:"after"`
}

// Pull implements connectors.Stream. Each page's cursor resumes after its highest id;
// the last page carries the empty cursor.
func (s *entityStream[T]) Pull(ctx context.Context, _ connectors.Scope, from connectors.Cursor, sink connectors.Sink) (connectors.Cursor, error) {
	after := int64(-1)
	if from != "" {
		var cur afterCursor
		if err := json.Unmarshal([]byte(from), &cur); err != nil {
			sink.Warn(fmt.Errorf("autotask: %s: unreadable cursor %q, restarting from the first page", s.name, excerpt([]byte(from))))
		} else {
			after = cur.After
		}
	}
	if err := s.c.checkBudget(ctx); err != nil {
		return "", fmt.Errorf("autotask: %s: %w", s.name, err)
	}
	l := listing{entity: s.entity, after: after, stream: s.name, what: s.entity}
	err := walk(ctx, s.c, l, func(rows []row[T], p pageInfo) error {
		records, err := s.toRecords(ctx, rows, sink)
		if err != nil {
			return err
		}
		var next connectors.Cursor
		if !p.final {
			b, _ := json.Marshal(afterCursor{After: p.lastID})
			next = connectors.Cursor(b)
		}
		if err := sink.Page(ctx, records, next); err != nil {
			return fmt.Errorf("handing over records: %w", err)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("autotask: %s: %w", s.name, err)
	}
	return "", nil
}
