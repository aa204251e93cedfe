package jobs_test

import (
	"context"
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/jobs"
	"github.com/custos-msp/custos/report"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// fakeMailer records what it was asked to send, failing while fail is set.
type fakeMailer struct {
	sent [][]string
	to   [][]string
	fail bool
}

func (m *fakeMailer) SendReport(_ context.Context, to []string, _, _ string, files []report.File) error {
	if m.fail {
		return errors.New("mail server down")
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f.Path))
	}
	m.sent, m.to = append(m.sent, names), append(m.to, to)
	return nil
}

func TestReportJob_RendersArchivesAndSendsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		for _, c := range []*store.Customer{
			{Name: "Contoso Ltd", Key: "contoso"}, {Name: "Fabrikam Inc", Key: "fabrikam"},
			{Name: "Adatum", Key: "adatum", Status: store.CustomerOffboarded},
		} {
			if err := st.DB(ctx).Create(c).Error; err != nil {
				t.Fatal(err)
			}
		}
		cfg := config.Default()
		cfg.Dir = t.TempDir()
		cfg.Report.Internal = true
		cfg.Report.Customers = map[string]config.ReportCustomer{
			"contoso ltd": {TimeZone: "Europe/London", Recipients: []string{"it@contoso.example"}},
		}
		now := time.Date(2026, 11, 2, 6, 0, 0, 0, time.UTC)
		mailer := &fakeMailer{fail: true}
		job := &jobs.ReportJob{Store: st, Config: &cfg, Now: func() time.Time { return now }, Mailer: mailer, Log: zerolog.Nop()}

		// The mail server is down: everything is rendered and archived, nothing sent.
		counts, err := job.Run(ctx)
		if err == nil {
			t.Error("a failed e-mail was not reported")
		}
		want := jobs.Counts{"rendered": 8, "archived": 8, "failed": 1}
		if !maps.Equal(counts, want) {
			t.Errorf("first run counts = %v, want %v", counts, want)
		}
		// It is up again: the same reports are not archived twice, and the unsent
		// customer variants go out once, to Contoso only (Fabrikam has no recipients).
		mailer.fail = false
		for run, want := range []jobs.Counts{{"rendered": 8, "emailed": 1}, {"rendered": 8}} {
			counts, err := job.Run(ctx)
			if err != nil || !maps.Equal(counts, want) {
				t.Errorf("run %d: counts = %v, %v; want %v", run+2, counts, err, want)
			}
		}
		if len(mailer.sent) != 1 || !slices.Equal(mailer.sent[0], []string{"contoso-ltd_2026-10.html", "contoso-ltd_2026-10.pdf"}) ||
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
		if len(archived) != 4 || sent != 2 {
			t.Errorf("Contoso's archive holds %d reports, %d sent; want 4, 2", len(archived), sent)
		}
	})
}
