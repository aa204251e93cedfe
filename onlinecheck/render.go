package onlinecheck

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/custos-msp/custos/connectors"
)

// WriteJSON writes the report as one JSON document: {"ok": bool, "cells": [...]}.
func WriteJSON(w io.Writer, r Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		OK    bool   `json:"ok"`
		Cells []Cell `json:"cells"`
	}{r.OK(), r.Cells})
}

// WriteText writes one grid per connector, a row per scope and a column per stream,
// then each cell that is not ok with its fix, and a count.
func WriteText(w io.Writer, r Report) error {
	for _, conn := range connectorsOf(r.Cells) {
		streams, rows, grid := gridOf(r.Cells, conn)
		fmt.Fprintf(w, "%s\n", conn)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprint(tw, "  SCOPE")
		for _, s := range streams {
			fmt.Fprintf(tw, "\t%s", s)
		}
		fmt.Fprintln(tw)
		for _, row := range rows {
			fmt.Fprintf(tw, "  %s", row.label)
			for _, s := range streams {
				st, ok := grid[cellKey{row.key, s}]
				label := "-"
				if ok {
					label = st.Label()
				}
				fmt.Fprintf(tw, "\t%s", label)
			}
			fmt.Fprintln(tw)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	problems := r.Problems()
	for _, p := range groupProblems(problems) {
		fmt.Fprintf(w, "%s: %s (%s) — %s\n", p.scope, p.status.Label(), p.streams, p.fix)
		if p.status == Failed || p.status == Unreachable {
			fmt.Fprintf(w, "    %s\n", shorten(p.err, maxErrorText))
		}
	}
	_, err := fmt.Fprintf(w, "%d of %d checks ok, %d not ok\n", len(r.Cells)-len(problems), len(r.Cells), len(problems))
	return err
}

// problem is one scope's problem with its fix, and the streams it stops, e.g.
// "m365 signins, directoryaudits; o365audit exchange".
type problem struct {
	scope    string
	status   Status
	fix, err string
	streams  string
	lastConn string
}

// groupProblems gathers the cells of one scope with the same status and fix, so
// that a fix is said once for every stream it concerns, in the cells' order.
func groupProblems(cells []Cell) []*problem {
	var out []*problem
	index := map[[3]string]*problem{}
	for _, c := range cells {
		key := [3]string{c.ScopeID + "\x00" + c.ScopeName, string(c.Status), c.Fix}
		p := index[key]
		if p == nil {
			p = &problem{scope: scopeLabel(c), status: c.Status, fix: c.Fix, err: c.Error}
			index[key] = p
			out = append(out, p)
		}
		switch {
		case p.streams == "":
			p.streams = c.Connector + " " + c.Stream
		case p.lastConn == c.Connector:
			p.streams += ", " + c.Stream
		default:
			p.streams += "; " + c.Connector + " " + c.Stream
		}
		p.lastConn = c.Connector
	}
	return out
}

// maxErrorText bounds the error shown under a failed cell; --json has it whole.
const maxErrorText = 300

type cellKey struct{ scope, stream string }

type row struct{ key, label string }

// connectorsOf lists the connectors of cells in their order.
func connectorsOf(cells []Cell) []string {
	var out []string
	for _, c := range cells {
		if !slices.Contains(out, c.Connector) {
			out = append(out, c.Connector)
		}
	}
	return out
}

// gridOf returns one connector's streams and scopes in their order, and the status
// of each cell.
func gridOf(cells []Cell, conn string) ([]string, []row, map[cellKey]Status) {
	var (
		streams []string
		rows    []row
		grid    = map[cellKey]Status{}
	)
	for _, c := range cells {
		if c.Connector != conn {
			continue
		}
		if !slices.Contains(streams, c.Stream) {
			streams = append(streams, c.Stream)
		}
		key := c.ScopeID + "\x00" + c.ScopeName
		if !slices.ContainsFunc(rows, func(r row) bool { return r.key == key }) {
			rows = append(rows, row{key, scopeLabel(c)})
		}
		grid[cellKey{key, c.Stream}] = c.Status
	}
	return streams, rows, grid
}

// scopeLabel names a cell's scope by its customer name, with a short id when the
// name is not the id.
func scopeLabel(c Cell) string {
	if c.ScopeID == "" || c.ScopeID == c.ScopeName || c.ScopeID == connectors.Account.ID {
		return c.ScopeName
	}
	return fmt.Sprintf("%s (%s)", c.ScopeName, shorten(c.ScopeID, 9))
}

// shorten cuts s to n runes, the last an ellipsis.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
