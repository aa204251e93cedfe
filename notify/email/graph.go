package email

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/custos-msp/custos/notify"
	"github.com/custos-msp/custos/secret"
)

// DefaultGraphURL is Microsoft Graph v1.0 in the public cloud.
const DefaultGraphURL = "https://graph.microsoft.com/v1.0"

// GraphScope is the scope of an app-only Graph token.
const GraphScope = "https://graph.microsoft.com/.default"

// MaxGraphRequestBytes bounds the sendMail request: Graph refuses a request over about
// 4 MB with 413. The MIME form base64-encodes the whole message, attachments (already
// base64 inside it) included, so about 2.2 MB of attachments reach it.
const MaxGraphRequestBytes = 4_000_000

// Graph sends through Microsoft Graph: POST /users/{from}/sendMail with the MIME
// message, base64-encoded, as text/plain. The app needs the Mail.Send application
// permission (scope it to the mailbox with Exchange RBAC for Applications).
type Graph struct {
	name     string
	env      Envelope
	graphURL string
	token    TokenFunc
	client   *http.Client
}

// NewGraph returns a Graph sender; graphURL defaults to DefaultGraphURL.
func NewGraph(name string, env Envelope, graphURL string, token TokenFunc, client *http.Client) *Graph {
	if graphURL == "" {
		graphURL = DefaultGraphURL
	}
	return &Graph{name: name, env: env, graphURL: strings.TrimSuffix(graphURL, "/"), token: token, client: client}
}

// Name implements notify.Receiver.
func (g *Graph) Name() string { return g.name }

// SendsToMessageRecipients implements notify.Addressable: Send honours Message.To.
func (g *Graph) SendsToMessageRecipients() {}

// Send posts the message. Graph answers 202 Accepted with no body.
func (g *Graph) Send(ctx context.Context, m notify.Message) error {
	mime, err := Render(g.env, m)
	if err != nil {
		return fmt.Errorf("email %s: %w", g.name, err)
	}
	body := []byte(base64.StdEncoding.EncodeToString(mime))
	if len(body) > MaxGraphRequestBytes {
		return notify.Permanent(fmt.Errorf("email %s: message %s is %d bytes as a sendMail request, over the %d Graph accepts; send it through an smtp receiver",
			g.name, m.Key, len(body), MaxGraphRequestBytes))
	}
	tok, err := g.token(ctx)
	if err != nil {
		return notify.Temporary(fmt.Errorf("email %s: getting a Graph token: %w", g.name, err), 0)
	}
	target := fmt.Sprintf("%s/users/%s/sendMail", g.graphURL, url.PathEscape(g.env.From))
	h := http.Header{}
	h.Set("Authorization", "Bearer "+tok)
	return notify.Post(ctx, g.client, "email "+g.name, secret.New(target), "text/plain", body, h)
}
