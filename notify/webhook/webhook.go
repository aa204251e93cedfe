// Package webhook posts alerts as JSON to any HTTP endpoint (a PSA, a chat bridge),
// signed with HMAC-SHA256 so the endpoint can tell the post came from Custos.
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/custos-msp/custos/notify"
	"github.com/custos-msp/custos/secret"
)

// Header names.
const (
	// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of the body.
	SignatureHeader = "X-Custos-Signature"
	// IdempotencyHeader carries the message's key, the same on every attempt.
	IdempotencyHeader = "Idempotency-Key"
)

// Receiver posts to one webhook.
type Receiver struct {
	name   string
	url    secret.Value
	key    secret.Value
	client *http.Client
}

// New returns a receiver that posts to url, signing with key.
func New(name string, url, key secret.Value, client *http.Client) *Receiver {
	return &Receiver{name: name, url: url, key: key, client: client}
}

// Name implements notify.Receiver.
func (r *Receiver) Name() string { return r.name }

// Payload is the JSON body: the message itself with a version.
type Payload struct {
	Version int `json:"version"`
	notify.Message
	// Attachments are not posted; Message's are hidden by this empty field.
	Attachments []notify.Attachment `json:"attachments,omitempty"`
}

// Send posts the message as JSON with its signature and idempotency key.
func (r *Receiver) Send(ctx context.Context, m notify.Message) error {
	body, err := json.Marshal(Payload{Version: 1, Message: m})
	if err != nil {
		return notify.Permanent(fmt.Errorf("webhook %s: encoding message %s: %w", r.name, m.Key, err))
	}
	h := http.Header{}
	h.Set(SignatureHeader, Sign(r.key, body))
	h.Set(IdempotencyHeader, m.Key)
	return notify.PostJSON(ctx, r.client, "webhook "+r.name, r.url, body, h)
}

// Sign returns the signature header value of body under key.
func Sign(key secret.Value, body []byte) string {
	mac := hmac.New(sha256.New, []byte(key.Reveal()))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
