package app

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/custos-msp/custos/evidence"
	"github.com/custos-msp/custos/report"
	"github.com/custos-msp/custos/store"
)

// ErrNoSigningKey is what ExportEvidence fails with when report.signing_key is unset.
var ErrNoSigningKey = errors.New("report.signing_key is not set: `custos evidence new-key FILE` writes one")

// EvidenceExport is a bundle written.
type EvidenceExport struct {
	Path           string
	Manifest       evidence.Manifest
	ManifestSHA256 string
	// MissingReports are archived reports of the month whose file is gone.
	MissingReports []string
}

// fileSafe matches what a file name should not hold.
var fileSafe = regexp.MustCompile(`[^A-Za-z0-9]+`)

// signingKey loads report.signing_key.
func (a *App) signingKey() (ed25519.PrivateKey, error) {
	if a.Config.Report.SigningKey.IsZero() {
		return nil, ErrNoSigningKey
	}
	v, err := a.Config.Report.SigningKey.Load()
	if err != nil {
		return nil, fmt.Errorf("report.signing_key: %w", err)
	}
	key, err := evidence.ParsePrivateKey([]byte(v.Reveal()))
	if err != nil {
		return nil, fmt.Errorf("report.signing_key: %w", err)
	}
	return key, nil
}

// evidenceFinding is a finding of the month, as the internal report lists it, with
// its triage history.
type evidenceFinding struct {
	report.FindingRow
	History []store.FindingEvent `json:"history"`
}

// ExportEvidence writes the evidence bundle of a customer's month to dir: the month's
// accesses with their decisions, the authorisations and verified backups of the
// customer, the coverage of the month, the findings open in it with their history and
// the month's archived reports, signed with report.signing_key and chained to the
// last bundle of the month before. A zero month is the previous one in the customer's
// time zone; an empty dir is [report] dir/<month>.
func (a *App) ExportEvidence(ctx context.Context, customerName string, month report.Month, dir string) (EvidenceExport, error) {
	key, err := a.signingKey()
	if err != nil {
		return EvidenceExport{}, err
	}
	customer, err := a.Store.CustomerByName(ctx, customerName)
	if err != nil {
		return EvidenceExport{}, err
	}
	now := a.now()
	opts := report.OptionsFromConfig(a.Config, a.Rules, customer.Name, nil, report.VariantInternal, now)
	if month == (report.Month{}) {
		month = report.PreviousMonth(now, opts.Location)
	}
	if dir == "" {
		dir = filepath.Join(a.Config.Resolve(a.Config.Report.Dir), month.String())
	}
	// The bundle's accesses, findings and coverage are the internal report's: one
	// answer to what happened in the month, whichever of the two is read.
	r, err := report.Build(ctx, a.Store, customer, month, opts)
	if err != nil {
		return EvidenceExport{}, fmt.Errorf("evidence: %w", err)
	}
	files, missing, err := a.evidenceFiles(ctx, customer, r)
	if err != nil {
		return EvidenceExport{}, err
	}
	m := evidence.Manifest{Customer: customer.Name, Month: month.String(), CreatedAt: now.UTC().Truncate(time.Second)}
	prevMonth := report.Month{Year: r.From.AddDate(0, -1, 0).Year(), Month: r.From.AddDate(0, -1, 0).Month()}
	prev, err := a.Store.LatestEvidenceManifest(ctx, customer.ID, prevMonth.String())
	if err != nil {
		return EvidenceExport{}, err
	}
	if prev != nil {
		m.Previous, m.PreviousMonth = prev.SHA256, prevMonth.String()
	}
	var buf bytes.Buffer
	written, err := evidence.Write(&buf, m, files, key)
	if err != nil {
		return EvidenceExport{}, err
	}
	path, err := evidence.Save(dir, fmt.Sprintf("evidence_%s_%s", fileSafe.ReplaceAllString(customer.Key, "-"), month), buf.Bytes())
	if err != nil {
		return EvidenceExport{}, err
	}
	rec := &store.EvidenceManifest{CustomerID: customer.ID, Month: month.String(), SHA256: written.ManifestSHA256, Path: path, CreatedAt: now}
	if err := a.Store.RecordEvidenceManifest(ctx, rec); err != nil {
		return EvidenceExport{}, err
	}
	return EvidenceExport{Path: path, Manifest: written.Manifest, ManifestSHA256: written.ManifestSHA256, MissingReports: missing}, nil
}

// evidenceFiles reads what a bundle holds: the internal report's accesses (with the
// decision and source of each), findings (with their history) and coverage, and the
// authorisations and verified backups they rest on.
func (a *App) evidenceFiles(ctx context.Context, customer store.Customer, r *report.Report) ([]evidence.Content, []string, error) {
	auths, err := a.Store.Authorisations(ctx, &customer.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("evidence: %w", err)
	}
	var inMonth []store.AuthorisationView
	for _, v := range auths {
		if v.ValidFrom.Before(r.Until) && (v.ValidTo == nil || !v.ValidTo.Before(r.From)) {
			v.Raw = ""
			inMonth = append(inMonth, v)
		}
	}
	backups, err := a.Store.VerifiedBackups(ctx, &customer.ID, true)
	if err != nil {
		return nil, nil, fmt.Errorf("evidence: %w", err)
	}
	findings := make([]evidenceFinding, len(r.Findings))
	for i, f := range r.Findings {
		history, err := a.Store.FindingHistory(ctx, f.ID)
		if err != nil {
			return nil, nil, fmt.Errorf("evidence: %w", err)
		}
		findings[i] = evidenceFinding{FindingRow: f, History: history}
	}
	var files []evidence.Content
	for _, part := range []struct {
		name string
		v    any
	}{
		{"accesses.json", r.Accesses}, {"authorisations.json", inMonth}, {"verified_backups.json", backups},
		{"coverage.json", r.Coverage}, {"findings.json", findings},
	} {
		data, err := json.MarshalIndent(part.v, "", "  ")
		if err != nil {
			return nil, nil, fmt.Errorf("evidence: %s: %w", part.name, err)
		}
		files = append(files, evidence.Content{Name: part.name, Data: append(data, '\n')})
	}
	reports, missing, err := a.monthReports(ctx, customer.ID, r.Month)
	if err != nil {
		return nil, nil, err
	}
	return append(files, reports...), missing, nil
}

// monthReports reads the archived reports of a customer's month; it lists those
// whose file is gone instead.
func (a *App) monthReports(ctx context.Context, customerID uint, month string) ([]evidence.Content, []string, error) {
	archived, err := a.Store.ReportArchives(ctx, customerID)
	if err != nil {
		return nil, nil, fmt.Errorf("evidence: %w", err)
	}
	var files []evidence.Content
	var missing []string
	seen := map[string]bool{}
	for _, r := range archived {
		if r.Month != month {
			continue
		}
		data, err := os.ReadFile(r.Path)
		if err != nil {
			missing = append(missing, r.Path)
			continue
		}
		name := "reports/" + filepath.Base(r.Path)
		if seen[name] {
			name = fmt.Sprintf("reports/%d-%s", r.ID, filepath.Base(r.Path))
		}
		seen[name] = true
		files = append(files, evidence.Content{Name: name, Data: data})
	}
	return files, missing, nil
}
