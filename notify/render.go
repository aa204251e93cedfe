package notify

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"

	"github.com/custos-msp/custos/vocab"
)

// eventWords say what happened to a finding, for people.
var eventWords = map[string]string{
	"opened": "new", "reopened": "re-opened", "escalated": "escalated", "resolved": "resolved", "repeat": "still open",
}

// EventWord says what an item's event means, e.g. "re-opened".
func EventWord(event string) string {
	if w, ok := eventWords[event]; ok {
		return w
	}
	return event
}

// PlainText is the message's plain-text body: Text when set, else one line per item.
func (m Message) PlainText() string {
	if m.Text != "" {
		return m.Text
	}
	var b strings.Builder
	b.WriteString(m.Title + "\n\n")
	for _, it := range m.Items {
		fmt.Fprintf(&b, "- [%s] %s (%s", strings.ToUpper(string(it.Severity)), it.Summary, EventWord(it.Event))
		if it.Customer != "" && it.Customer != m.Customer {
			fmt.Fprintf(&b, ", %s", it.Customer)
		}
		fmt.Fprintf(&b, ", %s, first seen %s)\n", it.Rule, it.FirstSeen.UTC().Format("2006-01-02 15:04 MST"))
	}
	if m.Link != "" {
		fmt.Fprintf(&b, "\nAll findings: %s\n", m.Link)
	}
	fmt.Fprintf(&b, "\nCustos message %s\n", m.Key)
	return b.String()
}

var htmlBody = template.Must(template.New("body").Funcs(template.FuncMap{
	"event": EventWord, "severity": func(s vocab.Severity) string { return strings.ToUpper(string(s)) },
}).Parse(`<!DOCTYPE html>
<html><body style="font-family:Segoe UI,Arial,sans-serif;font-size:14px">
<h2 style="font-size:18px">{{.Title}}</h2>
<table cellpadding="6" style="border-collapse:collapse">
<tr style="text-align:left;border-bottom:1px solid #ccc"><th>Severity</th><th>Finding</th><th>Customer</th><th>Rule</th><th>First seen</th></tr>
{{range .Items}}<tr style="border-bottom:1px solid #eee"><td>{{severity .Severity}}</td><td>{{.Summary}} <em>({{event .Event}})</em></td><td>{{.Customer}}</td><td>{{.Rule}}</td><td>{{.FirstSeen.UTC.Format "2006-01-02 15:04 MST"}}</td></tr>
{{end}}</table>
{{if .Link}}<p><a href="{{.Link}}">All findings</a></p>{{end}}
<p style="color:#888;font-size:11px">Custos message {{.Key}}</p>
</body></html>
`))

// HTMLBody is the message's HTML body: HTML when set, else a table of the items.
func (m Message) HTMLBody() (string, error) {
	if m.HTML != "" || m.Text != "" {
		return m.HTML, nil
	}
	var b bytes.Buffer
	if err := htmlBody.Execute(&b, m); err != nil {
		return "", fmt.Errorf("notify: rendering message %s as HTML: %w", m.Key, err)
	}
	return b.String(), nil
}
