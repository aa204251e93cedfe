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

// evidenceAccess is one access as a bundle shows it: what happened, and what
// reconcile decided and why.
type evidenceAccess struct {
	ID           uint       `json:"id"`
	Source       string     `json:"source"`
	SourceID     string     `json:"source_id"`
	Kind         string     `json:"kind"`
	Action       string     `json:"action"`
	StartedAt    time.Time  `json:"started_at"`
	EndedAt      *time.Time `json:"ended_at,omitempty"`
	Technician   string     `json:"technician"`
	Device       string     `json:"device"`
	Detail       string     `json:"detail,omitempty"`
	CoveredBy    *uint      `json:"covered_by_authorisation,omitempty"`
	AuthorisedBy string     `json:"authorised_by,omitempty"`
	Evidence     string     `json:"authorisation_evidence,omitempty"`
	LateBy       *uint      `json:"authorised_late_by,omitempty"`
	BackupID     *uint      `json:"verified_backup,omitempty"`
	Decision     string     `json:"decision"`
}

// evidenceFinding is a finding of the month with its triage history.
type evidenceFinding struct {
	store.Finding
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
	opts := report.OptionsFromConfig(a.Config, a.Rules, customer.Name, nil, report.VariantInternal, a.now())
	loc := opts.Location
	if loc == nil {
		loc = time.UTC
	}
	now := a.now()
	if month == (report.Month{}) {
		month = report.PreviousMonth(now, loc)
	}
	if dir == "" {
		dir = filepath.Join(a.Config.Resolve(a.Config.Report.Dir), month.String())
	}
	from, to := month.Bounds(loc)
	if !now.After(from) {
		return EvidenceExport{}, fmt.Errorf("evidence: %s of %s has not started yet", month, customer.Name)
	}
	until := to
	if now.Before(to) {
		until = now
	}
	files, missing, err := a.evidenceFiles(ctx, customer, month, from, until, now)
	if err != nil {
		return EvidenceExport{}, err
	}
	m := evidence.Manifest{Customer: customer.Name, Month: month.String(), CreatedAt: now.UTC().Truncate(time.Second)}
	prevMonth := report.Month{Year: from.AddDate(0, -1, 0).Year(), Month: from.AddDate(0, -1, 0).Month()}
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

// evidenceFiles reads what a bundle holds.
func (a *App) evidenceFiles(ctx context.Context, customer store.Customer, month report.Month, from, until, now time.Time) ([]evidence.Content, []string, error) {
	events, err := a.Store.ReportAccessEvents(ctx, customer.ID, from, until)
	if err != nil {
		return nil, nil, fmt.Errorf("evidence: %w", err)
	}
	accesses := make([]evidenceAccess, len(events))
	for i, e := range events {
		accesses[i] = evidenceAccess{
			ID: e.ID, Source: e.Source, SourceID: e.SourceID, Kind: e.Kind, Action: e.Action, StartedAt: e.StartedAt, EndedAt: e.EndedAt,
			Technician: firstNonEmpty(e.TechnicianName, e.ActorName, e.ActorRef), Device: firstNonEmpty(e.CanonicalDevice, e.DeviceName),
			Detail: e.Detail, CoveredBy: e.CoveredBy, AuthorisedBy: e.AuthGrantedBy, Evidence: e.AuthEvidence,
			LateBy: e.AuthorisedLateBy, BackupID: firstID(e.BackupID, e.LateBackupID), Decision: e.Decision,
		}
	}
	auths, err := a.Store.Authorisations(ctx, &customer.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("evidence: %w", err)
	}
	var inMonth []store.AuthorisationView
	for _, v := range auths {
		if v.ValidFrom.Before(until) && (v.ValidTo == nil || !v.ValidTo.Before(from)) {
			v.Raw = ""
			inMonth = append(inMonth, v)
		}
	}
	backups, err := a.Store.VerifiedBackups(ctx, &customer.ID, true)
	if err != nil {
		return nil, nil, fmt.Errorf("evidence: %w", err)
	}
	coverage, err := a.Store.CustomerCoverage(ctx, customer.ID, from, until, now)
	if err != nil {
		return nil, nil, fmt.Errorf("evidence: %w", err)
	}
	all, err := a.Store.CustomerFindings(ctx, customer.ID, until)
	if err != nil {
		return nil, nil, fmt.Errorf("evidence: %w", err)
	}
	var findings []evidenceFinding
	for _, f := range all {
		if f.ResolvedAt != nil && f.ResolvedAt.Before(from) {
			continue
		}
		history, err := a.Store.FindingHistory(ctx, f.ID)
		if err != nil {
			return nil, nil, fmt.Errorf("evidence: %w", err)
		}
		findings = append(findings, evidenceFinding{Finding: f, History: history})
	}
	var files []evidence.Content
	for _, part := range []struct {
		name string
		v    any
	}{
		{"accesses.json", accesses}, {"authorisations.json", inMonth}, {"verified_backups.json", backups},
		{"coverage.json", coverage}, {"findings.json", findings},
	} {
		data, err := json.MarshalIndent(part.v, "", "  ")
		if err != nil {
			return nil, nil, fmt.Errorf("evidence: %s: %w", part.name, err)
		}
		files = append(files, evidence.Content{Name: part.name, Data: append(data, '\n')})
	}
	reports, missing, err := a.monthReports(ctx, customer.ID, month.String())
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

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

func firstID(ids ...*uint) *uint {
	for _, id := range ids {
		if id != nil {
			return id
		}
	}
	return nil
}
