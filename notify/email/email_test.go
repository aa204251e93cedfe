package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/custos-msp/custos/notify"
	"github.com/custos-msp/custos/notify/notifytest"
	"github.com/custos-msp/custos/secret"
)

var env = Envelope{From: "alerts@msp.example", To: []string{"noc@msp.example"}}

func message() notify.Message {
	return notify.Message{
		Key: "custos-0123456789abcdef", Kind: notify.KindAlert, Title: "Custos [HIGH] new for Contoso Ltd: fw01 has no backup",
		Customer: "Contoso Ltd", CreatedAt: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC),
		Items: []notify.Item{{FindingID: 1, Event: "opened", Rule: "CONFIG-BACKUP-MISSING", Severity: "high", Customer: "Contoso Ltd", Summary: "fw01 has no backup <b>"}},
	}
}

// parts checks a raw message: its Message-ID, subject, and a plain-text and an HTML part.
func checkMIME(t *testing.T, raw []byte) {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not a message: %v", err)
	}
	if got := msg.Header.Get("Message-Id"); got != "<custos-0123456789abcdef@msp.example>" {
		t.Errorf("Message-ID = %q", got)
	}
	if !strings.Contains(msg.Header.Get("Subject"), "fw01 has no backup") {
		t.Errorf("Subject = %q", msg.Header.Get("Subject"))
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q, %v", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		types = append(types, ct)
	}
	if strings.Join(types, ",") != "text/plain,text/html" {
		t.Errorf("parts = %v, want text/plain and text/html", types)
	}
}

func TestGraph_SendsMIMEThroughSendMail(t *testing.T) {
	var got struct {
		path, auth, ct string
		body           []byte
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.path, got.auth, got.ct = r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Content-Type")
		got.body, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	token := func(context.Context) (string, error) { return "tok-123", nil }
	g := NewGraph("mail", env, srv.URL+"/v1.0", token, srv.Client())
	if err := g.Send(context.Background(), message()); err != nil {
		t.Fatal(err)
	}
	if got.path != "/v1.0/users/alerts@msp.example/sendMail" || got.auth != "Bearer tok-123" || got.ct != "text/plain" {
		t.Errorf("request = %s, %q, %q", got.path, got.auth, got.ct)
	}
	raw, err := base64.StdEncoding.DecodeString(string(got.body))
	if err != nil {
		t.Fatalf("body is not base64: %v", err)
	}
	checkMIME(t, raw)
}

func TestGraph_ThrottlingIsRetryable(t *testing.T) {
	hook := notifytest.NewHook(t, http.StatusTooManyRequests)
	g := NewGraph("mail", env, hook.URL, func(context.Context) (string, error) { return "tok-123", nil }, hook.Client())
	err := g.Send(context.Background(), message())
	if retry, _ := notify.Retryable(err); err == nil || !retry {
		t.Errorf("429: %v, retryable %v", err, retry)
	}
	notifytest.AssertNoSecret(t, "tok-123", fmt.Sprint(err))
}

// smtpServer is an in-process submission server with STARTTLS (or implicit TLS),
// PLAIN and XOAUTH2.
type smtpServer struct {
	mu       stdsync.Mutex
	messages [][]byte
	auth     []string
	reject   *smtp.SMTPError
}

func (s *smtpServer) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }

type session struct{ s *smtpServer }

func (x *session) AuthMechanisms() []string { return []string{sasl.Plain, "XOAUTH2"} }
func (x *session) Auth(mech string) (sasl.Server, error) {
	if mech == "XOAUTH2" {
		return xoauth2{x.s}, nil
	}
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if x.s.reject != nil {
			return x.s.reject
		}
		x.s.mu.Lock()
		defer x.s.mu.Unlock()
		x.s.auth = append(x.s.auth, "PLAIN "+user+" "+pass)
		return nil
	}), nil
}
func (x *session) Mail(string, *smtp.MailOptions) error { return nil }
func (x *session) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	x.s.messages = append(x.s.messages, b)
	return err
}
func (x *session) Reset()        {}
func (x *session) Logout() error { return nil }

// xoauth2 is the server side of XOAUTH2, which go-sasl does not have.
type xoauth2 struct{ s *smtpServer }

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

// startSMTP serves on loopback: STARTTLS when implicit is false, TLS from the first
// byte when true. It returns the port and a TLS config that trusts the server.
func startSMTP(t *testing.T, s *smtpServer, implicit bool) (int, *tls.Config) {
	t.Helper()
	cert := httptest.NewUnstartedServer(nil)
	cert.StartTLS()
	t.Cleanup(cert.Close)
	pool := x509.NewCertPool()
	pool.AddCert(cert.Certificate())
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: cert.TLS.Certificates}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if implicit {
		l = tls.NewListener(l, srv.TLSConfig)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().(*net.TCPAddr).Port, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

func TestSMTP_SendsOverSTARTTLSAndTLS(t *testing.T) {
	for _, tt := range []struct {
		name     string
		tls      string
		implicit bool
		token    bool
		wantAuth string
	}{
		{"587 STARTTLS password", "starttls", false, false, "PLAIN alerts@msp.example pw-secret"},
		{"587 STARTTLS XOAUTH2", "starttls", false, true, "XOAUTH2 alerts@msp.example tok-abc"},
		{"465 TLS password", "tls", true, false, "PLAIN alerts@msp.example pw-secret"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &smtpServer{}
			port, tlsConfig := startSMTP(t, s, tt.implicit)
			opts := SMTPOptions{Host: "127.0.0.1", Port: port, TLS: tt.tls, Username: "alerts@msp.example",
				Password: secret.New("pw-secret"), TLSConfig: tlsConfig, Timeout: 5 * time.Second}
			if tt.token {
				opts.Token = func(context.Context) (string, error) { return "tok-abc", nil }
			}
			if err := NewSMTP("mail", env, opts).Send(context.Background(), message()); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if len(s.messages) != 1 || len(s.auth) != 1 || s.auth[0] != tt.wantAuth {
				t.Fatalf("server saw %d messages, auth %v", len(s.messages), s.auth)
			}
			checkMIME(t, s.messages[0])
		})
	}
}

func TestSMTP_BasicAuthRefusedIsPermanent(t *testing.T) {
	s := &smtpServer{reject: &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 30},
		Message: "Basic authentication is not supported for Client Submission."}}
	port, tlsConfig := startSMTP(t, s, false)
	err := NewSMTP("mail", env, SMTPOptions{Host: "127.0.0.1", Port: port, TLS: "starttls", Username: "alerts@msp.example",
		Password: secret.New("pw-secret"), TLSConfig: tlsConfig, Timeout: 5 * time.Second}).Send(context.Background(), message())
	if retry, _ := notify.Retryable(err); err == nil || retry {
		t.Errorf("535 5.7.30: %v, retryable %v; want a permanent error", err, retry)
	}
	notifytest.AssertNoSecret(t, "pw-secret", fmt.Sprint(err))
}
