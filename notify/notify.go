// Package notify tells people about findings. A pass is a chain of small stages in
// the spirit of Alertmanager, each one type with one job: route (which receivers a
// finding goes to), repeat (a finding still open after its route's repeat interval),
// dedup (against the persisted notify log: one alert per finding, again only when it
// re-opens, escalates or repeats), group (per customer and route), hold (group wait
// and interval, quiet hours, business hours, digests) and queue (render, seal and
// store a delivery). A dry run ends in preview instead of queue, which lists what
// would be queued and changes nothing. Delivery then hands each due message to its
// receiver, with retry and a receipt. notify owns its outbox and notify log: it
// defines Outbox, which the store implements with plain reads and writes of rows,
// and makes every decision about them. Each receiver (Teams, e-mail, webhook) lives
// in its own package and implements Receiver.
package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/custos-msp/custos/vocab"
)

// Receiver delivers a message to one place. Send must be safe to call again with the
// same message (delivery is at least once): it passes Message.Key to the channel
// where the channel can use it to drop a repeat. An error says through Retryable
// whether another attempt may succeed.
type Receiver interface {
	// Name is the receiver's name in the configuration.
	Name() string
	Send(ctx context.Context, m Message) error
}

// Message is what a receiver is given: a group of alerts, a digest, a test, or a
// prepared message (a report) with its own text, HTML and attachments.
type Message struct {
	// Key is the idempotency key: the same for every attempt at one message.
	Key string `json:"key"`
	// Kind is alert, digest, test, message or report.
	Kind string `json:"kind"`
	// To are the addresses this message goes to instead of the receiver's configured
	// ones; only e-mail receivers (Addressable) honour it, and every other receiver
	// is refused a message that carries it.
	To []string `json:"to,omitempty"`
	// Title is the subject line or heading.
	Title string `json:"title"`
	// Customer is the customer the message is about; empty when several or none.
	Customer string `json:"customer,omitempty"`
	// Items are the findings the message tells of.
	Items []Item `json:"items,omitempty"`
	// Link points at the full list of findings; empty when none is configured.
	Link string `json:"link,omitempty"`
	// Text and HTML, when set, are the body as it should be sent; otherwise each
	// receiver renders Items.
	Text string `json:"text,omitempty"`
	HTML string `json:"html,omitempty"`
	// Attachments go with e-mail; other receivers ignore them.
	Attachments []Attachment `json:"attachments,omitempty"`
	// CreatedAt is when the message was made.
	CreatedAt time.Time `json:"created_at"`
}

// Item is one finding in a message.
type Item struct {
	FindingID uint `json:"finding_id"`
	// Event is opened, reopened, escalated, resolved or repeat.
	Event     string         `json:"event"`
	Rule      string         `json:"rule"`
	Severity  vocab.Severity `json:"severity"`
	Customer  string         `json:"customer,omitempty"`
	Summary   string         `json:"summary"`
	FirstSeen time.Time      `json:"first_seen"`
}

// Attachment is a file sent with an e-mail.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"`
}

// Message kinds.
const (
	KindAlert   = "alert"
	KindDigest  = "digest"
	KindTest    = "test"
	KindMessage = "message"
	// KindReport is a customer's monthly report, sent to the customer's own
	// addresses; only an Addressable receiver may carry one.
	KindReport = "report"
)

// Addressable is a receiver that sends a message to Message.To when it is set: the
// e-mail receivers. Any other receiver is refused a message with To or of kind
// report, so a customer's report can never be posted to a shared channel.
type Addressable interface {
	Receiver
	// SendsToMessageRecipients marks the receiver as honouring Message.To.
	SendsToMessageRecipients()
}

// CheckAddressable returns a permanent error naming the receiver when m carries
// recipients or is a report and r cannot send to them, and nil otherwise.
func CheckAddressable(r Receiver, m Message) error {
	if len(m.To) == 0 && m.Kind != KindReport {
		return nil
	}
	if _, ok := r.(Addressable); ok {
		return nil
	}
	return Permanent(fmt.Errorf("notify: receiver %s is not an e-mail receiver and cannot send %s message %s to its own recipients", r.Name(), m.Kind, m.Key))
}

// Error is a delivery failure that says whether trying again may help.
type Error struct {
	Retryable bool
	// RetryAfter is how long the receiver asked to wait, when it said.
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Permanent marks err as not worth retrying (a rejected message, a deleted flow).
func Permanent(err error) error { return &Error{Err: err} }

// Temporary marks err as worth retrying, after retryAfter when it is positive.
func Temporary(err error, retryAfter time.Duration) error {
	return &Error{Retryable: true, RetryAfter: retryAfter, Err: err}
}

// Retryable reports whether another attempt after err may succeed, and how long the
// receiver asked to wait. Timeouts and network errors are retryable; an error that
// says nothing else is too, since giving up on an alert costs more than a repeat.
func Retryable(err error) (bool, time.Duration) {
	var e *Error
	if errors.As(err, &e) {
		return e.Retryable, e.RetryAfter
	}
	return true, 0
}
