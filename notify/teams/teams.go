// Package teams posts alerts to a Microsoft Teams channel through a Workflows (Power
// Automate) webhook, as one Adaptive Card 1.4 per request in the envelope the
// "When a Teams webhook request is received" trigger expects. The retired Office 365
// connector webhooks are refused.
package teams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/custos-msp/custos/notify"
	"github.com/custos-msp/custos/secret"
	"github.com/custos-msp/custos/vocab"
)

// MaxCardBytes bounds the serialized request. Teams refuses posts over about 28 KB
// inside the flow run, where the sender never sees it; this leaves room for the
// flow's own wrapping.
const MaxCardBytes = 24 * 1024

// AllowedHostSuffixes are the hosts of Workflows webhook URLs.
var AllowedHostSuffixes = []string{".logic.azure.com", ".api.powerplatform.com"}

// Errors New returns; the URL itself is never part of them.
var (
	// ErrRetiredConnector means the URL is an Office 365 connector webhook, which
	// Microsoft retired.
	ErrRetiredConnector = errors.New("the URL is a retired Office 365 connector webhook (*.webhook.office.com or outlook.office.com/webhook); " +
		"create a Workflows webhook in Teams (\"When a Teams webhook request is received\") and use its URL")
	// ErrHost means the URL's host is not a Workflows host.
	ErrHost = errors.New("the URL is not an https Workflows webhook on *.logic.azure.com or *.api.powerplatform.com")
)

// Receiver posts to one Workflows webhook.
type Receiver struct {
	name   string
	url    secret.Value
	client *http.Client
}

// New checks that url is a Workflows webhook and returns a receiver for it.
func New(name string, webhook secret.Value, client *http.Client) (*Receiver, error) {
	if err := CheckURL(webhook); err != nil {
		return nil, fmt.Errorf("teams %s: %w", name, err)
	}
	return &Receiver{name: name, url: webhook, client: client}, nil
}

// CheckURL accepts only https URLs on a Workflows host.
func CheckURL(webhook secret.Value) error {
	u, err := url.Parse(webhook.Reveal())
	if err != nil {
		return ErrHost
	}
	host := strings.ToLower(u.Hostname())
	if strings.HasSuffix(host, ".webhook.office.com") || (host == "outlook.office.com" && strings.HasPrefix(u.Path, "/webhook")) {
		return ErrRetiredConnector
	}
	if u.Scheme != "https" {
		return ErrHost
	}
	for _, suffix := range AllowedHostSuffixes {
		if strings.HasSuffix(host, suffix) {
			return nil
		}
	}
	return ErrHost
}

// Name implements notify.Receiver.
func (r *Receiver) Name() string { return r.name }

// Send posts the message as one Adaptive Card. A 2xx means the flow run was queued,
// not that the card was posted.
func (r *Receiver) Send(ctx context.Context, m notify.Message) error {
	body, err := Body(m)
	if err != nil {
		return notify.Permanent(fmt.Errorf("teams %s: %w", r.name, err))
	}
	h := http.Header{}
	h.Set("Idempotency-Key", m.Key)
	return notify.PostJSON(ctx, r.client, "teams "+r.name, r.url, body, h)
}

// Envelope is the body a Workflows Teams trigger takes.
type Envelope struct {
	Type        string       `json:"type"`
	Attachments []Attachment `json:"attachments"`
}

// Attachment wraps one card.
type Attachment struct {
	ContentType string  `json:"contentType"`
	ContentURL  *string `json:"contentUrl"`
	Content     Card    `json:"content"`
}

// Card is an Adaptive Card.
type Card struct {
	Schema  string         `json:"$schema"`
	Type    string         `json:"type"`
	Version string         `json:"version"`
	MSTeams map[string]any `json:"msteams,omitempty"`
	Body    []Element      `json:"body"`
	Actions []Action       `json:"actions,omitempty"`
}

// Element is a TextBlock.
type Element struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	Weight   string `json:"weight,omitempty"`
	Size     string `json:"size,omitempty"`
	Color    string `json:"color,omitempty"`
	IsSubtle bool   `json:"isSubtle,omitempty"`
	Wrap     bool   `json:"wrap"`
}

// Action is an Action.OpenUrl.
type Action struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

var severityColour = map[vocab.Severity]string{vocab.Critical: "Attention", vocab.High: "Attention", vocab.Medium: "Warning", vocab.Low: "Default", vocab.Info: "Default"}

// Body renders the message as the request body: as many items as fit under
// MaxCardBytes, then a line that counts the rest and a link to them.
func Body(m notify.Message) ([]byte, error) {
	n := len(m.Items)
	for {
		body, err := json.Marshal(envelope(m, n))
		if err != nil {
			return nil, fmt.Errorf("encoding card %s: %w", m.Key, err)
		}
		if len(body) <= MaxCardBytes {
			return body, nil
		}
		if n == 0 {
			return nil, fmt.Errorf("card %s is %d bytes with no items, over %d", m.Key, len(body), MaxCardBytes)
		}
		// Shrink in proportion to the excess, at least one item at a time.
		n = min(n-1, n*MaxCardBytes/len(body))
	}
}

func envelope(m notify.Message, shown int) Envelope {
	card := Card{
		Schema: "http://adaptivecards.io/schemas/adaptive-card.json", Type: "AdaptiveCard", Version: "1.4",
		MSTeams: map[string]any{"width": "Full"},
		Body:    []Element{{Type: "TextBlock", Text: m.Title, Weight: "Bolder", Size: "Medium", Wrap: true}},
	}
	if len(m.Items) == 0 && m.Text != "" {
		card.Body = append(card.Body, Element{Type: "TextBlock", Text: m.Text, Wrap: true})
	}
	for _, it := range m.Items[:shown] {
		text := fmt.Sprintf("**%s** %s (%s · %s", strings.ToUpper(string(it.Severity)), it.Summary, notify.EventWord(it.Event), it.Rule)
		if it.Customer != "" && it.Customer != m.Customer {
			text += " · " + it.Customer
		}
		card.Body = append(card.Body, Element{Type: "TextBlock", Text: text + ")", Color: severityColour[it.Severity], Wrap: true})
	}
	if left := len(m.Items) - shown; left > 0 {
		more := fmt.Sprintf("… and %d more finding%s not shown", left, map[bool]string{true: "", false: "s"}[left == 1])
		if m.Link != "" {
			more += ": open the full list"
		}
		card.Body = append(card.Body, Element{Type: "TextBlock", Text: more, Weight: "Bolder", Wrap: true})
	}
	card.Body = append(card.Body, Element{Type: "TextBlock", Text: "Custos message " + m.Key, Size: "Small", IsSubtle: true, Wrap: true})
	if m.Link != "" {
		card.Actions = []Action{{Type: "Action.OpenUrl", Title: "All findings", URL: m.Link}}
	}
	return Envelope{Type: "message", Attachments: []Attachment{{ContentType: "application/vnd.microsoft.card.adaptive", Content: card}}}
}
