// Package acts says what an access event did, in plain words a service manager
// understands: "deleted user j.doe@contoso.example", "opened mailbox ceo@contoso.example
// (mail items accessed)", "ran quick job Restart Print Spooler", "had a remote control
// session". The words are computed here once, from what the connectors store in an
// access event's action, detail and attributes, and used by reconcile's finding
// summaries, explain, the findings listing and the reports.
package acts

import (
	"encoding/json"
	"strings"
	"unicode"

	"github.com/custos-msp/custos/record"
	"github.com/custos-msp/custos/store"
)

// Act is what one access event did.
type Act struct {
	// Operation is the vendor's operation in plain words, a verb phrase in the past
	// tense: "deleted user", "opened mailbox", "ran a command (82 characters)".
	Operation string
	// Object is what the operation was on inside the tenant or machine, when the
	// source names it: a user, mailbox, group or file. Empty for an act on the whole
	// machine (a remote session, a command).
	Object string
	// Note adds the source's own name of the operation when the words alone lose it,
	// e.g. "mail items accessed" or "Set-Mailbox".
	Note string
}

// String is the act in one phrase: "deleted user j.doe@contoso.example".
func (a Act) String() string {
	s := a.Operation
	if a.Object != "" {
		s += " " + a.Object
	}
	if a.Note != "" {
		s += " (" + a.Note + ")"
	}
	return s
}

// Of says what e did.
func Of(e *store.AccessEvent) Act {
	attrs := map[string]string{}
	if e.Attributes != "" {
		// The store writes attributes from a map; one it cannot read leaves the words plainer.
		_ = json.Unmarshal([]byte(e.Attributes), &attrs)
	}
	switch {
	case e.Kind == record.KindRemoteSession:
		return Act{Operation: "had a " + sessionKind(e.Action, attrs)}
	case e.Kind == record.KindCommand && strings.HasPrefix(e.Action, "job/"):
		return datto(e.Action, e.Detail)
	case e.Kind == record.KindCommand:
		return screenConnect(e.Action, e.Detail)
	case e.Kind == record.KindM365SignIn:
		return signIn(e.Action, e.Detail, attrs)
	}
	return tenantAct(e, attrs)
}

// sessionKind names a remote session by the source's action or session type.
func sessionKind(action string, attrs map[string]string) string {
	switch action {
	case "Connected":
		if attrs["session_type"] == "Access" {
			return "remote control session through the unattended agent"
		}
		return "remote control session"
	case "remote/chat":
		return "chat session"
	case "web.remote/rto":
		return "Web Remote takeover session"
	case "remote/jrto", "remote/rto":
		return "remote takeover session"
	}
	if t := attrs["remote_session_type"]; t != "" {
		return "remote session (" + strings.ReplaceAll(t, "_", " ") + ")"
	}
	return "remote session (" + action + ")"
}

// screenConnectActs are the ScreenConnect event types in words; detail is the
// connector's safe description of the event.
var screenConnectActs = map[string]func(detail string) string{
	"QueuedCommand":            func(d string) string { return "ran a " + d },
	"QueuedTool":               func(d string) string { return "ran a " + d },
	"QueuedElevatedTool":       func(d string) string { return "ran a " + d },
	"QueuedSilentElevatedTool": func(d string) string { return "ran a " + d },
	"QueuedInstallAccess":      func(string) string { return "installed an unattended access agent" },
	"QueuedUninstall":          func(string) string { return "uninstalled the agent" },
	"QueuedUninstallAndDelete": func(string) string { return "uninstalled the agent and deleted its session" },
	"QueuedUninstallAndEnd":    func(string) string { return "uninstalled the agent and ended its session" },
	"QueuedReinstall":          func(string) string { return "reinstalled the agent" },
	"SentFiles":                files("sent"),
	"CopiedFiles":              files("copied"),
	"DraggedFiles":             files("dragged"),
	"RanFiles":                 files("ran"),
	"SwitchedLogonSession":     func(d string) string { return d },
}

// files says how many files were moved, from the connector's "files sent: 2".
func files(verb string) func(string) string {
	return func(d string) string {
		_, n, _ := strings.Cut(d, ": ")
		if n == "1" {
			return verb + " 1 file"
		}
		return verb + " " + cmpOr(n, "some") + " files"
	}
}

func screenConnect(action, detail string) Act {
	if f, ok := screenConnectActs[action]; ok && detail != "" {
		return Act{Operation: f(detail)}
	}
	return Act{Operation: "ran " + cmpOr(detail, words(action)), Note: action}
}

// datto describes a Datto RMM job activity; detail is the job's name.
func datto(action, detail string) Act {
	what := strings.TrimPrefix(action, "job/")
	name, quick := strings.CutPrefix(detail, "Quick Job: ")
	kind := "job"
	if quick {
		kind = "quick job"
	}
	op := "ran " + kind
	if what != "deployment" {
		op = "had " + kind + " " + what
	}
	if name == "" {
		return Act{Operation: op + " (no name recorded)"}
	}
	return Act{Operation: op, Object: `"` + name + `"`}
}

func signIn(action, detail string, attrs map[string]string) Act {
	app := cmpOr(attrs["app"], "Microsoft 365")
	if action == "signInFailed" {
		_, reason, _ := strings.Cut(detail, ": ")
		return Act{Operation: "failed to sign in to " + app, Note: reason}
	}
	return Act{Operation: "signed in to " + app}
}

// mailboxActs are the Exchange mailbox operations in words.
var mailboxActs = map[string]Act{
	"mailitemsaccessed":  {Operation: "opened mailbox", Note: "mail items accessed"},
	"folderbind":         {Operation: "opened a folder of mailbox"},
	"harddelete":         {Operation: "permanently deleted items in mailbox"},
	"softdelete":         {Operation: "deleted items in mailbox"},
	"movetodeleteditems": {Operation: "moved items to Deleted Items in mailbox"},
	"send":               {Operation: "sent mail from mailbox"},
	"sendas":             {Operation: "sent mail as"},
	"sendonbehalf":       {Operation: "sent mail on behalf of"},
	"update":             {Operation: "changed items in mailbox"},
	"create":             {Operation: "created items in mailbox"},
}

// cmdletVerbs are PowerShell verbs in the past tense.
var cmdletVerbs = map[string]string{
	"Add": "added", "Remove": "removed", "Set": "changed", "New": "created", "Enable": "enabled",
	"Disable": "disabled", "Get": "read", "Update": "updated", "Start": "started", "Stop": "stopped",
}

// tenantAct describes an act in a Microsoft 365 tenant: a directory audit
// ("Delete user", detail "Delete user: User j.doe@…") or a unified audit log
// operation (an Exchange cmdlet, a mailbox operation, a SharePoint or Azure AD one).
func tenantAct(e *store.AccessEvent, attrs map[string]string) Act {
	op := strings.TrimSuffix(strings.TrimSpace(e.Action), ".")
	object := cmpOr(attrs["mailbox_owner"], attrs["object_id"])
	if object == "" {
		object = detailObject(op, e.Detail)
	}
	if a, ok := mailboxActs[strings.ToLower(op)]; ok {
		a.Object = object
		return a
	}
	if verb, noun, ok := strings.Cut(op, "-"); ok && !strings.Contains(op, " ") {
		if past, known := cmdletVerbs[verb]; known {
			return Act{Operation: past + " " + words(noun), Object: object, Note: op}
		}
		return Act{Operation: "ran " + op, Object: onObject(object)}
	}
	if !strings.Contains(op, " ") {
		op = participleFirst(words(op))
	} else {
		op = pastTense(op)
	}
	// "deleted user" + "User j.doe@…": the object's type word is already said.
	last := op[strings.LastIndex(op, " ")+1:]
	if rest, ok := cutFold(object, last+" "); ok {
		return Act{Operation: op, Object: rest}
	}
	if strings.Count(op, " ") < 2 {
		return Act{Operation: op, Object: object}
	}
	return Act{Operation: op, Object: onObject(object)}
}

// detailObject is the object a detail names after the operation: a directory
// audit's "Delete user: User j.doe@…" or the unified audit log's "Exchange:
// Set-Mailbox on ceo@…".
func detailObject(op, detail string) string {
	if _, on, ok := strings.Cut(detail, op+" on "); ok {
		return on
	}
	if rest, ok := strings.CutPrefix(detail, op+": "); ok {
		return rest
	}
	return ""
}

func onObject(object string) string {
	if object == "" {
		return ""
	}
	return "on " + object
}

// irregular are past tenses that do not add -ed.
var irregular = map[string]string{"reset": "reset", "set": "set", "hard": "permanently", "run": "ran", "send": "sent"}

// pastTense puts the first word of an activity ("Delete user", "Hard Delete user",
// "Add member to group") into the past tense, lower case.
func pastTense(activity string) string {
	ws := strings.Fields(strings.ToLower(activity))
	if len(ws) == 0 {
		return "did something"
	}
	i := 0
	if ws[0] == "hard" && len(ws) > 1 {
		i = 1
	}
	ws[i] = past(ws[i])
	if i == 1 {
		ws[0] = "permanently"
	}
	return strings.Join(ws, " ")
}

func past(verb string) string {
	switch {
	case irregular[verb] != "":
		return irregular[verb]
	case strings.HasSuffix(verb, "e"):
		return verb + "d"
	case strings.HasSuffix(verb, "ed"):
		return verb
	}
	return verb + "ed"
}

// participleFirst turns a CamelCase operation split into words ("file deleted",
// "site collection deleted") into a verb phrase ("deleted file").
func participleFirst(ws string) string {
	i := strings.LastIndex(ws, " ")
	if i < 0 || !strings.HasSuffix(ws, "ed") {
		return "did " + ws
	}
	return ws[i+1:] + " " + ws[:i]
}

// words splits a CamelCase name into lower-case words: "MailboxPermission" is
// "mailbox permission".
func words(name string) string {
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) && i > 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

func cutFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
