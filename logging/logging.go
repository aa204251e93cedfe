// Package logging builds Custos's zerolog logger from the configuration: JSON lines by
// default, a human console format on a terminal, timestamps in UTC, and every byte
// passed through a secret.Redactor so that no credential reaches a log.
package logging

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/secret"
)

// TimeFormat is the layout of every log timestamp: RFC 3339 in UTC, with milliseconds.
const TimeFormat = "2006-01-02T15:04:05.000Z07:00"

// New returns a logger that writes to w at cfg.Level in cfg.Format ("json", "console",
// or "auto": console when w is a terminal, JSON otherwise). Everything it writes goes
// through redactor.Writer; a nil redactor still scrubs credential-shaped strings.
func New(cfg config.Log, w io.Writer, redactor *secret.Redactor) (zerolog.Logger, error) {
	level, err := parseLevel(cfg.Level)
	if err != nil {
		return zerolog.Nop(), err
	}
	terminal := isTerminal(w)
	var out io.Writer
	switch cfg.Format {
	case "json", "":
		out = redactor.Writer(w)
	case "console":
		out = consoleWriter(redactor.Writer(w), !terminal)
	case "auto":
		if terminal {
			out = consoleWriter(redactor.Writer(w), false)
		} else {
			out = redactor.Writer(w)
		}
	default:
		return zerolog.Nop(), fmt.Errorf("log.format: %q is not one of auto, json, console", cfg.Format)
	}
	return zerolog.New(out).Level(level).Hook(utcTimestamp{}), nil
}

// parseLevel reads the levels the configuration allows.
func parseLevel(s string) (zerolog.Level, error) {
	switch strings.ToLower(s) {
	case "debug":
		return zerolog.DebugLevel, nil
	case "info", "":
		return zerolog.InfoLevel, nil
	case "warn":
		return zerolog.WarnLevel, nil
	case "error":
		return zerolog.ErrorLevel, nil
	}
	return zerolog.NoLevel, fmt.Errorf("log.level: %q is not one of debug, info, warn, error", s)
}

// isTerminal reports whether w is a file attached to a terminal, or a writer that
// draws on one and gives its file descriptor (progress.Terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

func consoleWriter(out io.Writer, noColor bool) zerolog.ConsoleWriter {
	return zerolog.ConsoleWriter{
		Out:        out,
		NoColor:    noColor,
		TimeFormat: TimeFormat,
		// The timestamp is written as a string in TimeFormat; tell the console
		// writer so it does not depend on zerolog's global TimeFieldFormat.
		FormatTimestamp: func(i any) string {
			s, ok := i.(string)
			if !ok {
				return fmt.Sprint(i)
			}
			return s
		},
	}
}

// utcTimestamp stamps every event with the current time in UTC, without touching
// zerolog's global TimestampFunc or TimeFieldFormat.
type utcTimestamp struct{}

func (utcTimestamp) Run(e *zerolog.Event, _ zerolog.Level, _ string) {
	e.Str(zerolog.TimestampFieldName, time.Now().UTC().Format(TimeFormat))
}
