package jobs_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/jobs"
	"github.com/custos-msp/custos/notify"
	"github.com/custos-msp/custos/notify/email"
	"github.com/custos-msp/custos/notify/notifytest"
	"github.com/custos-msp/custos/notify/teams"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/report"
	"github.com/custos-msp/custos/seal"
	"github.com/custos-msp/custos/secret"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// fakeMailer records what it was asked to send, failing while fail is set.
type fakeMailer struct {
	sent [][]string
	to   [][]string
	fail bool
}

func (m *fakeMailer) SendReport(_ context.Context, rm jobs.ReportMail) error {
	if m.fail {
		return errors.New("mail server down")
	}
	var names []string
	for _, f := range rm.Files {
		names = append(names, filepath.Base(f.Path))
	}
	m.sent, m.to = append(m.sent, names), append(m.to, rm.To)
	return nil
}

func TestReportJob_RendersArchivesAndSendsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seedCustomers(t, st, &store.Customer{Name: "Contoso Ltd", Key: "contoso"}, &store.Customer{Name: "Fabrikam Inc", Key: "fabrikam"},
			&store.Customer{Name: "Adatum", Key: "adatum", Status: store.CustomerOffboarded})
		cfg := config.Default()
		cfg.Dir = t.TempDir()
		cfg.Report.Internal = true
		london, err := config.LoadLocation("Europe/London")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Report.Customers = map[string]config.ReportCustomer{
			"contoso ltd": {TimeZone: london, Recipients: []string{"it@contoso.example"}},
		}
		now := time.Date(2026, 11, 2, 6, 0, 0, 0, time.UTC)
		mailer := &fakeMailer{fail: true}
		job := &jobs.ReportJob{Store: st, Config: &cfg, Rules: configuredRules(t, &cfg), Now: func() time.Time { return now }, Mailer: mailer, Log: zerolog.Nop()}

		// The mail server is down: everything is rendered and archived, nothing sent.
		counts, err := job.Run(ctx)
		if err == nil {
			t.Error("a failed e-mail was not reported")
		}
		want := jobs.Counts{"rendered": 8, "failed": 1}
		if !maps.Equal(counts, want) {
			t.Errorf("first run counts = %v, want %v", counts, want)
		}
		// It is up again: every run archives new renderings, and the month's
		// customer variants go out once, to Contoso only (Fabrikam has no recipients).
		mailer.fail = false
		for run, want := range []jobs.Counts{{"rendered": 8, "mail_queued": 1}, {"rendered": 8}} {
			counts, err := job.Run(ctx)
			if err != nil || !maps.Equal(counts, want) {
				t.Errorf("run %d: counts = %v, %v; want %v", run+2, counts, err, want)
			}
		}
		if len(mailer.sent) != 1 || !slices.Equal(mailer.sent[0], []string{"2026-10-contoso-ltd-r2.html", "2026-10-contoso-ltd-r2.pdf"}) ||
			!slices.Equal(mailer.to[0], []string{"it@contoso.example"}) {
			t.Errorf("sent %v to %v; want Contoso's October HTML and PDF once to it@contoso.example", mailer.sent, mailer.to)
		}
		archived, err := st.ReportArchives(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		sent := 0
		for _, a := range archived {
			if a.SentAt != nil {
				sent++
				if a.Variant != report.VariantCustomer {
					t.Errorf("the %s variant was e-mailed", a.Variant)
				}
			}
			if filepath.Dir(a.Path) != filepath.Join(cfg.Dir, "reports", "2026-10") {
				t.Errorf("archived at %s, want under reports/2026-10", a.Path)
			}
		}
		if len(archived) != 12 || sent != 2 {
			t.Errorf("Contoso's archive holds %d reports, %d sent; want 12 (3 runs of 2 variants in 2 formats), 2", len(archived), sent)
		}
		names := map[string]bool{}
		for _, a := range archived {
			if names[a.Path] {
				t.Errorf("two renderings archived at %s", a.Path)
			}
			names[a.Path] = true
			if _, err := os.Stat(a.Path); err != nil {
				t.Errorf("rendering %d of %s %s: %v", a.Rendering, a.Variant, a.Format, err)
			}
		}
	})
}

// seedCustomers writes the customers and a pull of the whole account in October
// 2026, so that the store holds data for that month.
func seedCustomers(t *testing.T, st *store.Store, customers ...*store.Customer) {
	t.Helper()
	ctx := context.Background()
	for _, c := range customers {
		if err := storetest.DB(ctx, st).Create(c).Error; err != nil {
			t.Fatal(err)
		}
	}
	at := time.Date(2026, 10, 20, 12, 0, 0, 0, time.UTC)
	cov := &store.Coverage{Connector: "itglue", Stream: "organizations", Scope: store.AccountScope, StartedAt: at, FinishedAt: at, Outcome: "ok"}
	if err := st.RecordCoverage(ctx, cov); err != nil {
		t.Fatal(err)
	}
}

// configuredRules builds the rules cfg configures, as the app does.
func configuredRules(t *testing.T, cfg *config.Config) *reconcile.RuleSet {
	t.Helper()
	rules, problems := reconcile.Configure(cfg)
	if len(problems) > 0 {
		t.Fatalf("configuring the rules: %v", problems)
	}
	return rules
}

// mailFixture is the monthly job wired as the daemon wires it: its mailer queues
// through a notify pipeline with an SMTP receiver "mail" (an in-process server) and
// a Teams receiver "noc" (a fake Workflows endpoint) that every finding is routed to.
type mailFixture struct {
	st    *store.Store
	cfg   *config.Config
	job   *jobs.ReportJob
	p     *notify.Pipeline
	smtp  *notifytest.SMTP
	teams *notifytest.Hook
	now   time.Time
}

func newMailFixture(t *testing.T, st *store.Store, receiver string) *mailFixture {
	t.Helper()
	seedCustomers(t, st, &store.Customer{Name: "Contoso Ltd", Key: "contoso"}, &store.Customer{Name: "Fabrikam Inc", Key: "fabrikam"})
	cfg := config.Default()
	cfg.Dir = t.TempDir()
	cfg.Report.Receiver = receiver
	cfg.Report.Customers = map[string]config.ReportCustomer{
		"Contoso Ltd": {Recipients: []string{"it@contoso.example", "ceo@contoso.example"}},
	}
	key, _ := seal.GenerateKey()
	keyring, err := seal.NewKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	f := &mailFixture{st: st, cfg: &cfg, smtp: notifytest.NewSMTP(t, false), teams: notifytest.NewHook(t),
		now: time.Date(2026, 11, 2, 6, 0, 0, 0, time.UTC)}
	noc, err := teams.New("noc", secret.New("https://prod-1.westeurope.logic.azure.com/workflows/x/triggers/manual/paths/invoke?sig=s3cr3t"), f.teams.AnyHostClient())
	if err != nil {
		t.Fatal(err)
	}
	mail := email.NewSMTP("mail", email.Envelope{From: "reports@msp.example", To: []string{"noc@msp.example"}}, email.SMTPOptions{
		Host: "127.0.0.1", Port: f.smtp.Port, TLS: "starttls", Username: "reports@msp.example", Password: secret.New("pw"),
		TLSConfig: f.smtp.ClientTLS, Timeout: 5 * time.Second,
	})
	clock := func() time.Time { return f.now }
	f.p = &notify.Pipeline{
		Store: st, Sealer: keyring, Receivers: map[string]notify.Receiver{"mail": mail, "noc": noc},
		Routes:   []notify.Route{{Receivers: []string{"noc"}, GroupInterval: time.Minute}},
		Location: time.UTC, MaxAttempts: 5, MinRetryWait: time.Minute, MaxRetryWait: 10 * time.Minute,
		Timeout: 5 * time.Second, Now: clock, Log: zerolog.Nop(),
	}
	f.job = &jobs.ReportJob{Store: st, Config: &cfg, Rules: configuredRules(t, &cfg), Now: clock, Log: zerolog.Nop(),
		Mailer: &jobs.NotifyMailer{Pipeline: f.p, Receiver: receiver}}
	return f
}

// attachment is one attached file of a sent message.
type attachment struct {
	contentType string
	sha256      string
}

// attachments reads a raw message's attached files by name, walking nested parts.
func attachments(t *testing.T, raw []byte) map[string]attachment {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not a message: %v", err)
	}
	out := map[string]attachment{}
	var walk func(header textproto.MIMEHeader, body io.Reader)
	walk = func(header textproto.MIMEHeader, body io.Reader) {
		mt, params, err := mime.ParseMediaType(header.Get("Content-Type"))
		if err != nil {
			t.Fatalf("Content-Type %q: %v", header.Get("Content-Type"), err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				part, err := mr.NextPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				walk(part.Header, part)
			}
		}
		_, dp, _ := mime.ParseMediaType(header.Get("Content-Disposition"))
		if dp["filename"] == "" {
			return
		}
		if header.Get("Content-Transfer-Encoding") == "base64" {
			body = base64.NewDecoder(base64.StdEncoding, body)
		}
		data, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		out[dp["filename"]] = attachment{contentType: mt, sha256: hex.EncodeToString(sum[:])}
	}
	walk(textproto.MIMEHeader(msg.Header), msg.Body)
	return out
}

func TestReportJob_EmailsThroughTheNotifyReceiverOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newMailFixture(t, st, "mail")
		f.smtp.FailData(&smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "Greylisted, try again later"})
		start := f.now
		steps := []struct {
			name string
			at   time.Duration
			// job is whether the monthly job runs first, and the counts it must give.
			job                     jobs.Counts
			sent, retrying, smtpGot int
		}{
			{"queued, greylisted", 0, jobs.Counts{"rendered": 4, "mail_queued": 1}, 0, 1, 0},
			// New renderings are archived; the month was sent, so nothing is queued.
			{"the job again: nothing new queued", 30 * time.Second, jobs.Counts{"rendered": 4}, 0, 0, 0},
			{"retried after the backoff", 2 * time.Minute, nil, 1, 0, 1},
			{"the job again a day later", 24 * time.Hour, jobs.Counts{"rendered": 4}, 0, 0, 1},
		}
		for _, s := range steps {
			f.now = start.Add(s.at)
			if s.job != nil {
				counts, err := f.job.Run(ctx)
				if err != nil || !maps.Equal(counts, s.job) {
					t.Errorf("%s: job counts = %v, %v; want %v", s.name, counts, err, s.job)
				}
			}
			res, err := f.p.Run(ctx)
			if err != nil || res.Sent != s.sent || res.Retrying != s.retrying || res.Failed != 0 {
				t.Errorf("%s: notify = %+v, %v; want sent %d, retrying %d", s.name, res, err, s.sent, s.retrying)
			}
			if got := len(f.smtp.Messages()); got != s.smtpGot {
				t.Errorf("%s: the SMTP server holds %d messages, want %d", s.name, got, s.smtpGot)
			}
		}

		msgs := f.smtp.Messages()
		if len(msgs) != 1 {
			t.Fatalf("%d messages sent, want Contoso's one", len(msgs))
		}
		if want := []string{"it@contoso.example", "ceo@contoso.example"}; !slices.Equal(msgs[0].Rcpt, want) {
			t.Errorf("sent to %v, want only %v", msgs[0].Rcpt, want)
		}
		contoso, err := st.CustomerByName(ctx, "Contoso Ltd")
		if err != nil {
			t.Fatal(err)
		}
		archived, err := st.ReportArchives(ctx, contoso.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]attachment{}
		for _, a := range archived {
			if a.SentAt != nil {
				want[filepath.Base(a.Path)] = attachment{contentType: map[string]string{"html": "text/html", "pdf": "application/pdf"}[a.Format], sha256: a.SHA256}
			}
		}
		if got := attachments(t, msgs[0].Data); len(want) != 2 || !maps.Equal(got, want) {
			t.Errorf("attached %v, want the two archived files marked sent %v", got, want)
		}
		fabrikam, err := st.CustomerByName(ctx, "Fabrikam Inc")
		if err != nil {
			t.Fatal(err)
		}
		others, err := st.ReportArchives(ctx, fabrikam.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range others {
			if a.SentAt != nil {
				t.Errorf("Fabrikam, without recipients, has %s marked sent", a.Path)
			}
		}
		if f.teams.Requests() != 0 {
			t.Errorf("the Teams receiver got %d requests", f.teams.Requests())
		}
	})
}

func TestReportJob_RefusesToSendAReportThroughTeams(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newMailFixture(t, st, "noc")
		counts, err := f.job.Run(ctx)
		if err == nil || !strings.Contains(err.Error(), "receiver noc is not an e-mail receiver") || counts["failed"] != 1 || counts["mail_queued"] != 0 {
			t.Errorf("job through Teams: %v, %v; want Contoso's report refused, naming noc", counts, err)
		}
		if res, err := f.p.Run(ctx); err != nil || res.Sent+res.Failed+res.Retrying != 0 {
			t.Errorf("notify after the refusal: %+v, %v; want nothing to deliver", res, err)
		}
		if f.teams.Requests() != 0 || len(f.smtp.Messages()) != 0 {
			t.Errorf("sent %d Teams posts and %d e-mails, want none", f.teams.Requests(), len(f.smtp.Messages()))
		}
		archived, err := st.ReportArchives(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range archived {
			if a.SentAt != nil {
				t.Errorf("%s is marked sent", a.Path)
			}
		}
	})
}

func TestNotifyMailer_QueuesOnceAndOnlyWhatWasArchived(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newMailFixture(t, st, "mail")
		var files []report.File
		for _, format := range []string{report.FormatHTML, report.FormatPDF} {
			res, err := f.job.One(ctx, jobs.ReportRequest{Customer: "Contoso Ltd", Format: format, Variant: report.VariantCustomer})
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, res.File)
		}
		mailer := f.job.Mailer
		steps := []struct {
			name    string
			month   string
			files   []report.File
			edit    bool
			wantErr string
			queued  int64
		}{
			{"first", "2026-10", files, false, "", 1},
			{"the same files again", "2026-10", files, false, "", 1},
			{"in the other order", "2026-10", []report.File{files[1], files[0]}, false, "", 1},
			{"other files of the same month", "2026-10", files[:1], false, "", 1},
			{"another month", "2026-09", files[:1], false, "", 2},
			{"a file edited after archiving", "2026-08", files, true, "changed since it was archived", 2},
		}
		for _, s := range steps {
			if s.edit {
				if err := os.WriteFile(files[0].Path, []byte("<p>edited</p>"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			mail := jobs.ReportMail{CustomerID: 1, Month: s.month, To: []string{"it@contoso.example"}, Subject: "October", Body: "Attached.", Files: s.files}
			err := mailer.SendReport(ctx, mail)
			if (err == nil) != (s.wantErr == "") || (err != nil && !strings.Contains(err.Error(), s.wantErr)) {
				t.Errorf("%s: %v, want error %q", s.name, err, s.wantErr)
			}
			var n int64
			if err := storetest.DB(ctx, st).Model(&store.Delivery{}).Where("kind = ?", notify.KindReport).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			if n != s.queued {
				t.Errorf("%s: %d report messages queued, want %d", s.name, n, s.queued)
			}
		}
	})
}

// TestReportJob_SkipsAMonthWithoutData renders nothing for a customer of which the
// store holds no data in the month, without calling it a failure.
func TestReportJob_SkipsAMonthWithoutData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		seedCustomers(t, st, &store.Customer{Name: "Contoso Ltd", Key: "contoso"})
		cfg := config.Default()
		cfg.Dir = t.TempDir()
		tests := []struct {
			name string
			now  time.Time
			want jobs.Counts
		}{
			{"October, read", time.Date(2026, 11, 2, 6, 0, 0, 0, time.UTC), jobs.Counts{"rendered": 2}},
			{"September, before the first pull", time.Date(2026, 10, 2, 6, 0, 0, 0, time.UTC), jobs.Counts{"no_data": 1}},
			{"November, not read", time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC), jobs.Counts{"no_data": 1}},
		}
		for _, tt := range tests {
			job := &jobs.ReportJob{Store: st, Config: &cfg, Rules: configuredRules(t, &cfg), Now: func() time.Time { return tt.now }, Log: zerolog.Nop()}
			counts, err := job.Run(ctx)
			if err != nil || !maps.Equal(counts, tt.want) {
				t.Errorf("%s: counts = %v, %v; want %v", tt.name, counts, err, tt.want)
			}
		}
		files, _ := filepath.Glob(filepath.Join(cfg.Dir, "reports", "*", "*"))
		if len(files) != 2 || !strings.Contains(files[0], "2026-10") {
			t.Errorf("files written = %v, want October's two", files)
		}
	})
}
