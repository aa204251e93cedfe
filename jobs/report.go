package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/notify"
	"github.com/custos-msp/custos/reconcile"
	"github.com/custos-msp/custos/report"
	"github.com/custos-msp/custos/store"
)

// ReportMail is one customer's month of reports, to be e-mailed.
type ReportMail struct {
	CustomerID uint
	// Month is the reports' month, YYYY-MM.
	Month         string
	To            []string
	Subject, Body string
	Files         []report.File
}

// ReportMailer e-mails a customer's rendered reports as attachments.
type ReportMailer interface {
	SendReport(ctx context.Context, m ReportMail) error
}

// NotifyMailer is the ReportMailer of the daemon: it queues each customer's reports
// as one sealed notify message (kind report, To the customer's recipients) for an
// e-mail receiver, which the notify job delivers with its retries and receipt. The
// message's key names the customer and the month, so queueing that month again —
// after a crash between queueing and marking the archives sent, with reports
// rendered anew — stores nothing new and the receiver sees one Message-ID.
type NotifyMailer struct {
	Pipeline *notify.Pipeline
	// Receiver is the e-mail receiver's name, [report] receiver.
	Receiver string
}

// reportContentTypes are the attachments' content types by report format.
var reportContentTypes = map[string]string{
	report.FormatHTML: "text/html; charset=utf-8",
	report.FormatPDF:  "application/pdf",
}

// SendReport reads the files, checks each against the SHA-256 it was archived with,
// and queues them.
func (m *NotifyMailer) SendReport(ctx context.Context, rm ReportMail) error {
	msg := notify.Message{
		Kind: notify.KindReport, Title: rm.Subject, Text: rm.Body, To: rm.To,
		Key: fmt.Sprintf("custos-report-%d-%s", rm.CustomerID, rm.Month),
	}
	for _, f := range rm.Files {
		data, err := os.ReadFile(f.Path)
		if err != nil {
			return fmt.Errorf("reading report %s: %w", f.Path, err)
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != f.SHA256 {
			return fmt.Errorf("report %s changed since it was archived with SHA-256 %s", f.Path, f.SHA256)
		}
		msg.Attachments = append(msg.Attachments, notify.Attachment{
			Name: filepath.Base(f.Path), ContentType: reportContentTypes[f.Format], Data: data,
		})
	}
	if _, err := m.Pipeline.Enqueue(ctx, m.Receiver, msg); err != nil {
		return fmt.Errorf("queueing report message %s for receiver %s: %w", msg.Key, m.Receiver, err)
	}
	return nil
}

// ReportJob renders customers' monthly reports, archives them with their SHA-256 and
// e-mails the customer variant to the customer's report recipients.
type ReportJob struct {
	Store  *store.Store
	Config *config.Config
	// Rules are the configured rules; the reports judge backups as CONFIG-BACKUP-STALE does.
	Rules *reconcile.RuleSet
	Now   func() time.Time
	// Mailer sends the reports; with none, reports are rendered and archived only.
	Mailer ReportMailer
	Log    zerolog.Logger
}

// ReportRequest asks for one report.
type ReportRequest struct {
	Customer string
	// Month is the calendar month; the zero Month is the previous one in the
	// customer's zone.
	Month  report.Month
	Format string
	// Variant is report.VariantCustomer or report.VariantInternal.
	Variant string
	// Dir is where the file is written; the configured report directory when empty.
	Dir string
}

// ReportResult is one rendered report: a new file and a new archive row.
type ReportResult struct {
	File    report.File
	Archive store.ReportArchive
	Report  *report.Report
}

// One renders, writes and archives one report, a new rendering; for a month of
// which the store holds no data it returns Build's error (report.ErrNoData).
func (j *ReportJob) One(ctx context.Context, req ReportRequest) (ReportResult, error) {
	c, err := j.Store.CustomerByName(ctx, req.Customer)
	if err != nil {
		return ReportResult{}, err
	}
	logo, err := report.LoadLogo(j.Config.Resolve(j.Config.Report.Logo))
	if err != nil {
		return ReportResult{}, err
	}
	return j.render(ctx, c, req, logo)
}

func (j *ReportJob) render(ctx context.Context, c store.Customer, req ReportRequest, logo *report.Logo) (ReportResult, error) {
	now := j.Now()
	opts := report.OptionsFromConfig(j.Config, j.Rules, c.Name, logo, req.Variant, now)
	month := req.Month
	if month == (report.Month{}) {
		month = report.PreviousMonth(now, opts.Location)
	}
	r, err := report.Build(ctx, j.Store, c, month, opts)
	if err != nil {
		return ReportResult{}, err
	}
	dir := req.Dir
	if dir == "" {
		dir = filepath.Join(j.Config.Resolve(j.Config.Report.Dir), month.String())
	}
	res := ReportResult{Report: r}
	res.File, res.Archive, err = report.Keep(ctx, j.Store, c.ID, dir, r, req.Format)
	return res, err
}

// Run renders the previous month's reports of every active customer in every
// configured format (and the internal variant when configured), archives each as a
// new rendering and e-mails each customer its customer-variant files once a month:
// not when a customer-variant report of that month was sent before. A customer of
// which the store holds no data for the month is skipped (counted no_data). A
// customer that fails does not stop the others; the error joins every failure.
func (j *ReportJob) Run(ctx context.Context) (Counts, error) {
	counts := Counts{}
	customers, err := j.Store.ActiveCustomers(ctx)
	if err != nil {
		return counts, err
	}
	logo, err := report.LoadLogo(j.Config.Resolve(j.Config.Report.Logo))
	if err != nil {
		return counts, err
	}
	variants := []string{report.VariantCustomer}
	if j.Config.Report.Internal {
		variants = append(variants, report.VariantInternal)
	}
	var errs []error
	for _, c := range customers {
		if err := j.customer(ctx, c, variants, logo, counts); err != nil {
			counts["failed"]++
			errs = append(errs, fmt.Errorf("report of %s: %w", c.Name, err))
			j.Log.Error().Err(err).Str("customer", c.Name).Msg("monthly report failed")
		}
	}
	return counts, errors.Join(errs...)
}

func (j *ReportJob) customer(ctx context.Context, c store.Customer, variants []string, logo *report.Logo, counts Counts) error {
	var (
		toSend    []report.File
		ids       []uint
		month     string
		monthName string
	)
	for _, variant := range variants {
		for _, format := range j.Config.Report.Formats {
			res, err := j.render(ctx, c, ReportRequest{Format: format, Variant: variant}, logo)
			if errors.Is(err, report.ErrNoData) {
				counts["no_data"]++
				j.Log.Info().Str("customer", c.Name).Msg(err.Error())
				return nil
			}
			if err != nil {
				return err
			}
			counts["rendered"]++
			if variant == report.VariantCustomer && res.Archive.SentAt == nil {
				toSend = append(toSend, res.File)
				ids = append(ids, res.Archive.ID)
				month, monthName = res.Report.Month, res.Report.MonthName
			}
		}
	}
	recipients := j.recipients(c.Name)
	if len(toSend) == 0 || len(recipients) == 0 || j.Mailer == nil {
		return nil
	}
	if sent, err := j.sentBefore(ctx, c.ID, month); err != nil || sent {
		return err
	}
	subject := fmt.Sprintf("%s: monthly access report for %s, %s", j.Config.Report.MSPName, c.Name, monthName)
	body := fmt.Sprintf("Attached is %s's report of every access to your systems in %s, with the authorisation that covered it, "+
		"open findings, Microsoft 365 partner access, network device backups and what was read.\n\n%s", j.Config.Report.MSPName, monthName, j.Config.Report.MSPName)
	mail := ReportMail{CustomerID: c.ID, Month: month, To: recipients, Subject: subject, Body: body, Files: toSend}
	if err := j.Mailer.SendReport(ctx, mail); err != nil {
		return fmt.Errorf("e-mailing to %d recipient(s): %w", len(recipients), err)
	}
	counts["mail_queued"]++
	return j.Store.MarkReportsSent(ctx, ids, j.Now())
}

// sentBefore reports whether a customer-variant report of the customer's month was
// e-mailed already.
func (j *ReportJob) sentBefore(ctx context.Context, customerID uint, month string) (bool, error) {
	archived, err := j.Store.ReportArchives(ctx, customerID)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(archived, func(a store.ReportArchive) bool {
		return a.Month == month && a.Variant == report.VariantCustomer && a.SentAt != nil
	}), nil
}

// recipients are the customer's report recipients from the configuration.
func (j *ReportJob) recipients(customer string) []string {
	for name, rc := range j.Config.Report.Customers {
		if strings.EqualFold(name, customer) {
			return rc.Recipients
		}
	}
	return nil
}
