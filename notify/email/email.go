// Package email sends alerts and reports as e-mail: a plain-text part and an HTML
// part (and any attachments) built with go-mail, whose Message-ID carries the
// message's idempotency key. A message's own recipients (notify.Message.To, a
// customer's report) replace the receiver's configured ones. Graph sends it through
// Microsoft Graph sendMail (the MIME form, over HTTPS, the default for Microsoft 365);
// SMTP through a submission server on 587 with STARTTLS or 465 with TLS, signing in
// with a password or XOAUTH2.
package email

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	mail "github.com/wneessen/go-mail"

	"github.com/custos-msp/custos/notify"
)

// TokenFunc returns an OAuth access token (for Graph, or SMTP XOAUTH2).
type TokenFunc func(ctx context.Context) (string, error)

// Envelope is who a message is from and to. A message's own To replaces the
// Envelope's.
type Envelope struct {
	From string
	To   []string
}

// build renders m as a MIME message.
func build(env Envelope, m notify.Message) (*mail.Msg, error) {
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := msg.From(env.From); err != nil {
		return nil, notify.Permanent(fmt.Errorf("from %q: %w", env.From, err))
	}
	to := recipients(env, m)
	if err := msg.To(to...); err != nil {
		return nil, notify.Permanent(fmt.Errorf("to %v: %w", to, err))
	}
	msg.Subject(m.Title)
	msg.SetMessageIDWithValue(MessageID(m.Key, env.From))
	msg.SetDateWithValue(m.CreatedAt)
	msg.SetUserAgent("Custos")
	html, err := m.HTMLBody()
	if err != nil {
		return nil, notify.Permanent(err)
	}
	msg.SetBodyString(mail.TypeTextPlain, m.PlainText())
	if html != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, html)
	}
	for _, a := range m.Attachments {
		opts := []mail.FileOption{}
		if a.ContentType != "" {
			opts = append(opts, mail.WithFileContentType(mail.ContentType(a.ContentType)))
		}
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), opts...); err != nil {
			return nil, notify.Permanent(fmt.Errorf("attaching %s: %w", a.Name, err))
		}
	}
	return msg, nil
}

// recipients are the message's own addresses (a customer's report) when it has
// them, else the receiver's.
func recipients(env Envelope, m notify.Message) []string {
	if len(m.To) > 0 {
		return m.To
	}
	return env.To
}

// MessageID is the Message-ID (without angle brackets) of the message with key, in
// the domain of the sending address, so a mail system can drop a resent copy.
func MessageID(key, from string) string {
	domain := "custos.invalid"
	if _, d, ok := strings.Cut(from, "@"); ok && d != "" {
		domain = d
	}
	return key + "@" + domain
}

// Render returns the MIME text of m, as it would be sent.
func Render(env Envelope, m notify.Message) ([]byte, error) {
	msg, err := build(env, m)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := msg.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("writing message %s: %w", m.Key, err)
	}
	return b.Bytes(), nil
}
