package screenconnect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// eventTypes is the SessionEventType enum: names and values. ScreenConnect renames
// and adds members between versions, so the live enum comes from the server's
// /Script.ashx; builtinEventTypes is the fallback.
type eventTypes struct {
	byName map[string]int
	byNum  map[int]string
}

// builtinEventTypes returns the SessionEventType enum of ScreenConnect 21.13.
func builtinEventTypes() *eventTypes {
	names := map[string]int{
		"None": 0, "Connected": 10, "Disconnected": 11, "CreatedSession": 20, "DeletedSession": 21,
		"InitiatedJoin": 30, "InvitedGuest": 31, "AddedNote": 32,
		"QueuedReinstall": 40, "QueuedUninstall": 41, "QueuedInvalidateLicense": 42, "QueuedWake": 43,
		"QueuedCommand": 44, "QueuedMessage": 45, "QueuedGuestInfoUpdate": 46, "QueuedTool": 47,
		"QueuedForceDisconnect": 48, "QueuedInstallAccess": 49,
		"ProcessedReinstall": 50, "ProcessedUninstall": 51, "ProcessedInvalidateLicense": 52,
		"ProcessedWake": 53, "ProcessedCommand": 54, "ProcessedMessage": 55,
		"ProcessedGuestInfoUpdate": 56, "ProcessedTool": 57, "ProcessedForceDisconnect": 58,
		"ModifiedName": 60, "ModifiedIsPublic": 61, "ModifiedCode": 62, "ModifiedHost": 63,
		"ModifiedCustomProperty": 64, "ModifiedGuestInfo": 65,
		"RanCommand": 70, "SentMessage": 71, "SentPrintJob": 80, "ReceivedPrintJob": 81,
		"CopiedText": 82, "CopiedFiles": 83, "DraggedFiles": 84, "RanFiles": 85, "SentFiles": 86,
		"SwitchedLogonSession": 87, "RanAutoReinstall": 88,
		"QueuedUninstallAndDelete": 100, "QueuedElevatedTool": 101,
	}
	return newEventTypes(names)
}

func newEventTypes(byName map[string]int) *eventTypes {
	t := &eventTypes{byName: byName, byNum: make(map[int]string, len(byName))}
	for name, n := range byName {
		t.byNum[n] = name
	}
	return t
}

// name returns the name of value n, or "EventType<n>" when the enum has none.
func (t *eventTypes) name(n int) string {
	if name, ok := t.byNum[n]; ok {
		return name
	}
	return "EventType" + strconv.Itoa(n)
}

// resolve reads an EventType as a report gives it: the name (a JSON string, kept as
// it is, known or not) or the value (a JSON number, or a string of digits).
func (t *eventTypes) resolve(raw json.RawMessage) (string, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", fmt.Errorf("EventType %s: %w", excerpt(raw), err)
	}
	switch v := v.(type) {
	case float64:
		return t.name(int(v)), nil
	case string:
		if n, err := strconv.Atoi(v); err == nil {
			return t.name(n), nil
		}
		if v != "" {
			return v, nil
		}
	}
	return "", fmt.Errorf("EventType %s is neither a name nor a number", excerpt(raw))
}

// scriptEnum finds an enum object in Script.ashx: SC = {…,"types":{…,
// "SessionEventType":{"None":0,…}}}, or SC.types.SessionEventType = {None: 0, …}.
var scriptEnum = regexp.MustCompile(`["']?SessionEventType["']?\s*[:=]\s*\{`)

// enumMember reads one member of an enum object whose keys may be unquoted.
var enumMember = regexp.MustCompile(`["']?([A-Za-z_][A-Za-z0-9_]*)["']?\s*:\s*(-?\d+)`)

// parseScriptEventTypes reads SC.types.SessionEventType from the text of
// /Script.ashx, tolerantly: the object is found wherever it is, read as JSON when it
// is JSON and member by member otherwise.
func parseScriptEventTypes(js []byte) (*eventTypes, error) {
	loc := scriptEnum.FindIndex(js)
	if loc == nil {
		return nil, errors.New("Script.ashx has no SessionEventType enum")
	}
	start := loc[1] - 1
	end := bytes.IndexByte(js[start:], '}')
	if end < 0 {
		return nil, errors.New("Script.ashx: SessionEventType enum is not closed")
	}
	obj := js[start : start+end+1]
	names := map[string]int{}
	if err := json.Unmarshal(obj, &names); err != nil {
		names = map[string]int{}
		for _, m := range enumMember.FindAllSubmatch(obj, -1) {
			n, err := strconv.Atoi(string(m[2]))
			if err != nil {
				continue
			}
			names[string(m[1])] = n
		}
	}
	if len(names) == 0 {
		return nil, errors.New("Script.ashx: SessionEventType enum has no members")
	}
	return newEventTypes(names), nil
}

// level says which report an event type belongs to.
type level int

const (
	sessionLevel    level = iota + 1 // SessionEvent
	connectionLevel                  // SessionConnectionEvent of a Host connection
)

// action is an event type the events stream emits, and how to describe it safely.
type action struct {
	level  level
	detail func(data string) string
}

func fixed(s string) func(string) string { return func(string) string { return s } }

// files describes a file transfer by the number of files its data names, one per line.
func files(verb string) func(string) string {
	return func(data string) string {
		n := 0
		for line := range strings.SplitSeq(data, "\n") {
			if strings.TrimSpace(line) != "" {
				n++
			}
		}
		return fmt.Sprintf("files %s: %d", verb, n)
	}
}

// actions are the technician actions on a machine, by event type name. Their Data
// (command text, output) may hold passwords, so a detail only counts or names the
// kind of action.
var actions = map[string]action{
	"QueuedCommand": {sessionLevel, func(data string) string {
		return fmt.Sprintf("command (%d characters)", utf8.RuneCountInString(data))
	}},
	"QueuedTool":               {sessionLevel, fixed("toolbox item")},
	"QueuedElevatedTool":       {sessionLevel, fixed("toolbox item, elevated")},
	"QueuedSilentElevatedTool": {sessionLevel, fixed("toolbox item, silent and elevated")},
	"QueuedInstallAccess":      {sessionLevel, fixed("install an access agent")},
	"QueuedUninstall":          {sessionLevel, fixed("uninstall the agent")},
	"QueuedUninstallAndDelete": {sessionLevel, fixed("uninstall the agent and delete the session")},
	"QueuedUninstallAndEnd":    {sessionLevel, fixed("uninstall the agent and end the session")},
	"QueuedReinstall":          {sessionLevel, fixed("reinstall the agent")},
	"SentFiles":                {connectionLevel, files("sent")},
	"CopiedFiles":              {connectionLevel, files("copied")},
	"DraggedFiles":             {connectionLevel, files("dragged")},
	"RanFiles":                 {connectionLevel, files("run")},
	"SwitchedLogonSession": {connectionLevel, func(data string) string {
		if strings.Contains(strings.ToLower(data), "backstage") {
			return "switched to backstage"
		}
		return "switched logon session"
	}},
}

// ignored are the known event types the events stream skips: chat, joins (part of a
// connection), the agent's own acknowledgements, session edits, guest-side events.
var ignored = []string{
	"None", "Connected", "Disconnected", "CreatedSession", "DeletedSession", "EndedSession",
	"InitiatedJoin", "InvitedGuest", "AddedNote", "QueuedInvalidateLicense", "QueuedWake",
	"QueuedMessage", "QueuedGuestInfoUpdate", "QueuedForceDisconnect",
	"ProcessedReinstall", "ProcessedUninstall", "ProcessedInvalidateLicense", "ProcessedWake",
	"ProcessedCommand", "ProcessedMessage", "ProcessedGuestInfoUpdate", "ProcessedTool",
	"ProcessedForceDisconnect", "ModifiedName", "ModifiedIsPublic", "ModifiedCode", "ModifiedHost",
	"ModifiedCustomProperty", "ModifiedGuestInfo", "RanCommand", "SentMessage", "SentPrintJob",
	"ReceivedPrintJob", "CopiedText", "RanAutoReinstall",
}

// known says whether the events stream has a rule for the type name.
func known(name string) bool {
	_, ok := actions[name]
	return ok || slices.Contains(ignored, name)
}

// wanted returns the names of t a report of lvl must return, sorted: the actions of
// that level that t has, and every name of t the stream does not know, so that an
// event type added in a new version is kept rather than silently dropped.
func (t *eventTypes) wanted(lvl level) []string {
	var out []string
	for name := range t.byName {
		if a, ok := actions[name]; (ok && a.level == lvl) || !known(name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
