package autotask

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/custos-msp/custos/connectors"
)

// condition is one element of a query filter: a comparison of a field with a value,
// or an "and"/"or" group of items.
type condition struct {
	Op    string      `json:"op"`
	Field string      `json:"field,omitempty"`
	Value any         `json:"value,omitempty"`
	Items []condition `json:"items,omitempty"`
}

// queryBody is the body of POST {Entity}/query.
type queryBody struct {
	Filter     []condition `json:"filter"`
	MaxRecords int         `json:"MaxRecords"`
}

// queryAnswer is the answer to a query.
type queryAnswer struct {
	Items       *[]json.RawMessage `json:"items"`
	PageDetails struct {
		Count       int     `json:"count"`
		NextPageURL *string `json:"nextPageUrl"`
	} `json:"pageDetails"`
}

// item is an entity type as a query decodes it.
type item interface{ itemID() int64 }

// row is one decoded item and its payload exactly as it came.
type row[T item] struct {
	item T
	raw  json.RawMessage
}

// listing is one query walked page by page in ascending id order (keyset paging: each
// page adds "id gt <highest id so far>"). Custos never follows nextPageUrl, so the
// credentials go to no other host than the zone's; nextPageUrl only says whether
// more pages follow.
type listing struct {
	entity string
	filter []condition
	// after is the highest id already handled; -1 reads from the start.
	after int64
	// stream names the stream (or the read within it) in a paging error, e.g.
	// "tickets"; what names the listing in other errors, e.g. "TicketNotes changed
	// since …".
	stream, what string
}

// pageInfo says where a page of a listing is.
type pageInfo struct {
	// number counts the pages of this walk from 1.
	number int
	// lastID is the highest id on the page (or before it); the listing resumes after it.
	lastID int64
	// final says no page follows.
	final bool
}

// walk runs the listing and hands every page to fn. Each page is keyed by the id it
// reads after: a page that brings nothing after it (a server that ignores the id
// filter and answers an earlier page again) leaves the key unchanged, so the next
// page ends the walk with a paging error, as does the max_pages ceiling.
func walk[T item](ctx context.Context, c *Connector, l listing, fn func(rows []row[T], p pageInfo) error) error {
	after := l.after
	pages := connectors.NewPager(Name, l.stream, connectors.Account, c.cfg.MaxPages)
	for page := 1; ; page++ {
		if err := pages.Next(strconv.FormatInt(after, 10)); err != nil {
			return err
		}
		rows, more, err := queryPage[T](ctx, c, l.entity, l.filter, after)
		if err != nil {
			return fmt.Errorf("query %s page %d (ids after %d): %w", l.what, page, after, err)
		}
		final := !more || len(rows) == 0
		// Rows at or before after were handled on an earlier page.
		rows = slices.DeleteFunc(rows, func(r row[T]) bool { return r.item.itemID() <= after })
		last := after
		for _, r := range rows {
			last = max(last, r.item.itemID())
		}
		if err := fn(rows, pageInfo{number: page, lastID: last, final: final}); err != nil {
			return fmt.Errorf("query %s page %d: %w", l.what, page, err)
		}
		if final {
			return nil
		}
		after = last
	}
}

// queryPage posts one query for ids after after and decodes its items. more says
// whether pageDetails.nextPageUrl announced another page.
func queryPage[T item](ctx context.Context, c *Connector, entity string, filter []condition, after int64) ([]row[T], bool, error) {
	f := append(append([]condition(nil), filter...), condition{Op: "gt", Field: "id", Value: after})
	body, err := json.Marshal(queryBody{Filter: f, MaxRecords: c.pageSize})
	if err != nil {
		return nil, false, fmt.Errorf("encoding the query: %w", err)
	}
	data, err := c.call(ctx, http.MethodPost, entity+"/query", body)
	if err != nil {
		return nil, false, err
	}
	var ans queryAnswer
	if err := json.Unmarshal(data, &ans); err != nil {
		return nil, false, fmt.Errorf("POST %s/query: decoding the answer: %w", entity, err)
	}
	if ans.Items == nil {
		return nil, false, fmt.Errorf("POST %s/query: the answer has no items member: %s", entity, excerpt(data))
	}
	rows := make([]row[T], 0, len(*ans.Items))
	for i, raw := range *ans.Items {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, false, fmt.Errorf("POST %s/query: items[%d]: %w", entity, i, err)
		}
		rows = append(rows, row[T]{item: v, raw: raw})
	}
	more := ans.PageDetails.NextPageURL != nil && strings.TrimSpace(*ans.PageDetails.NextPageURL) != ""
	return rows, more, nil
}

// byIDs lists the items of entity whose field is one of ids, in "in" conditions of at
// most chunkSize values, and returns them with their payloads.
func byIDs[T item](ctx context.Context, c *Connector, entity, field string, ids []int64) ([]row[T], error) {
	var out []row[T]
	for i, chunk := range chunks(ids, c.chunkSize) {
		l := listing{
			entity: entity,
			filter: []condition{{Op: "in", Field: field, Value: chunk}},
			after:  -1,
			stream: entity + " by " + field,
			what:   fmt.Sprintf("%s by %s (chunk %d, %d ids)", entity, field, i+1, len(chunk)),
		}
		err := walk(ctx, c, l, func(rows []row[T], _ pageInfo) error {
			out = append(out, rows...)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// chunks splits ids, without duplicates and in their first order, into lists of at
// most size ids.
func chunks(ids []int64, size int) [][]int64 {
	if size < 1 {
		size = 1
	}
	seen := make(map[int64]bool, len(ids))
	var out [][]int64
	var cur []int64
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		cur = append(cur, id)
		if len(cur) == size {
			out = append(out, cur)
			cur = nil
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}
