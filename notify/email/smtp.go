package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/textproto"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/custos-msp/custos/notify"
	"github.com/custos-msp/custos/secret"
)

// OutlookScope is the scope of an app-only token for Exchange Online SMTP (XOAUTH2).
const OutlookScope = "https://outlook.office365.com/.default"

// SMTPOptions say how to reach and sign in to a submission server.
type SMTPOptions struct {
	Host string
	// Port is 587 or 465; TLS is starttls (mandatory, never plain) or tls.
	Port int
	TLS  string
	// Username signs in with Password, or with a Token (XOAUTH2) when Token is set.
	Username string
	Password secret.Value
	Token    TokenFunc
	// TLSConfig, when set, replaces the default (tests trust their own CA with it).
	TLSConfig *tls.Config
	Timeout   time.Duration
}

// SMTP sends through an SMTP submission server with go-mail.
type SMTP struct {
	name string
	env  Envelope
	opts SMTPOptions
}

// NewSMTP returns an SMTP sender.
func NewSMTP(name string, env Envelope, opts SMTPOptions) *SMTP {
	return &SMTP{name: name, env: env, opts: opts}
}

// Name implements notify.Receiver.
func (s *SMTP) Name() string { return s.name }

// SendsToMessageRecipients implements notify.Addressable: Send honours Message.To.
func (s *SMTP) SendsToMessageRecipients() {}

// Send dials, signs in after TLS, sends and hangs up; a token is fetched per send.
func (s *SMTP) Send(ctx context.Context, m notify.Message) error {
	msg, err := build(s.env, m)
	if err != nil {
		return fmt.Errorf("email %s: %w", s.name, err)
	}
	o := s.opts
	copts := []mail.Option{mail.WithPort(o.Port), mail.WithUsername(o.Username), mail.WithoutNoop()}
	if o.Timeout > 0 {
		copts = append(copts, mail.WithTimeout(o.Timeout))
	}
	if o.TLSConfig != nil {
		copts = append(copts, mail.WithTLSConfig(o.TLSConfig))
	}
	if o.TLS == "tls" {
		copts = append(copts, mail.WithSSL())
	} else {
		copts = append(copts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if o.Token != nil {
		tok, err := o.Token(ctx)
		if err != nil {
			return notify.Temporary(fmt.Errorf("email %s: getting an SMTP token: %w", s.name, err), 0)
		}
		copts = append(copts, mail.WithSMTPAuth(mail.SMTPAuthXOAUTH2), mail.WithPassword(tok))
	} else {
		copts = append(copts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithPassword(o.Password.Reveal()))
	}
	client, err := mail.NewClient(o.Host, copts...)
	if err != nil {
		return notify.Permanent(fmt.Errorf("email %s: configuring SMTP client for %s:%d: %w", s.name, o.Host, o.Port, err))
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return classify(fmt.Errorf("email %s: sending %s through %s:%d: %w", s.name, m.Key, o.Host, o.Port, err))
	}
	return nil
}

// classify marks SMTP answers: 4xx temporary, 5xx permanent; anything else (a
// connection error, a timeout) temporary.
func classify(err error) error {
	var se *mail.SendError
	if errors.As(err, &se) {
		if se.ErrorCode() >= 500 {
			return notify.Permanent(err)
		}
		return notify.Temporary(err, 0)
	}
	// A refusal while signing in (535 5.7.30: Basic authentication is disabled) comes
	// as the protocol's error, not a SendError.
	var pe *textproto.Error
	if errors.As(err, &pe) && pe.Code >= 500 {
		return notify.Permanent(err)
	}
	return notify.Temporary(err, 0)
}
