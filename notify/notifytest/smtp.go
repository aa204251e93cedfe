package notifytest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	stdsync "sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTP is an in-process submission server on loopback with STARTTLS (or TLS from
// the first byte), PLAIN and XOAUTH2 sign-in. It records every message it accepts
// with its envelope, and answers as scripted: a refused sign-in, failures of DATA.
type SMTP struct {
	// Port is the port it listens on at 127.0.0.1.
	Port int
	// ClientTLS is a client TLS configuration that trusts the server's certificate.
	ClientTLS *tls.Config

	mu         stdsync.Mutex
	messages   []SMTPMessage
	auth       []string
	rejectAuth *smtp.SMTPError
	failData   []*smtp.SMTPError
}

// SMTPMessage is one message the server accepted.
type SMTPMessage struct {
	// From and Rcpt are the envelope: MAIL FROM and every RCPT TO.
	From string
	Rcpt []string
	// Data is the message as sent.
	Data []byte
}

// NewSMTP starts a server: STARTTLS on a plain connection when implicitTLS is false,
// TLS from the first byte (port 465 style) when true. It stops when the test ends.
func NewSMTP(t testing.TB, implicitTLS bool) *SMTP {
	t.Helper()
	cert := httptest.NewUnstartedServer(nil)
	cert.StartTLS()
	t.Cleanup(cert.Close)
	pool := x509.NewCertPool()
	pool.AddCert(cert.Certificate())
	s := &SMTP{}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: cert.TLS.Certificates, MinVersion: tls.VersionTLS12}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if implicitTLS {
		l = tls.NewListener(l, srv.TLSConfig)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	s.Port = l.Addr().(*net.TCPAddr).Port
	s.ClientTLS = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	return s
}

// RejectAuth makes every PLAIN sign-in fail with err.
func (s *SMTP) RejectAuth(err *smtp.SMTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectAuth = err
}

// FailData answers the next DATA commands with errs, in turn, without keeping the
// messages; later ones are accepted.
func (s *SMTP) FailData(errs ...*smtp.SMTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failData = append(s.failData, errs...)
}

// Messages returns the messages accepted, in order.
func (s *SMTP) Messages() []SMTPMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SMTPMessage(nil), s.messages...)
}

// Auth returns every successful sign-in as "MECHANISM user secret".
func (s *SMTP) Auth() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.auth...)
}

type backend struct{ s *SMTP }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

// session is one connection; it holds the envelope of the message being sent.
type session struct {
	s    *SMTP
	from string
	rcpt []string
}

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain, "XOAUTH2"} }

func (x *session) Auth(mech string) (sasl.Server, error) {
	if mech == "XOAUTH2" {
		return xoauth2{x.s}, nil
	}
	return sasl.NewPlainServer(func(_, user, pass string) error {
		x.s.mu.Lock()
		defer x.s.mu.Unlock()
		if x.s.rejectAuth != nil {
			return x.s.rejectAuth
		}
		x.s.auth = append(x.s.auth, "PLAIN "+user+" "+pass)
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.rcpt = append(x.rcpt, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if len(x.s.failData) > 0 {
		fail := x.s.failData[0]
		x.s.failData = x.s.failData[1:]
		return fail
	}
	x.s.messages = append(x.s.messages, SMTPMessage{From: x.from, Rcpt: x.rcpt, Data: b})
	return nil
}

func (x *session) Reset() { x.from, x.rcpt = "", nil }

func (x *session) Logout() error { return nil }

// xoauth2 is the server side of XOAUTH2, which go-sasl does not have.
type xoauth2 struct{ s *SMTP }

func (o xoauth2) Next(response []byte) ([]byte, bool, error) {
	if len(response) == 0 {
		return []byte{}, false, nil
	}
	user, rest, _ := strings.Cut(strings.TrimPrefix(string(response), "user="), "\x01auth=Bearer ")
	token := strings.TrimSuffix(rest, "\x01\x01")
	if token == "" {
		return nil, false, errors.New("malformed XOAUTH2 response")
	}
	o.s.mu.Lock()
	defer o.s.mu.Unlock()
	o.s.auth = append(o.s.auth, "XOAUTH2 "+user+" "+token)
	return nil, true, nil
}
