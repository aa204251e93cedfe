package app

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/custos-msp/custos/store"
)

// ReportRow is one archived rendering of a monthly report.
type ReportRow struct {
	ID         uint   `json:"id"`
	CustomerID uint   `json:"customer_id"`
	Customer   string `json:"customer"`
	// Month is "2026-10"; Variant customer or internal; Format html or pdf.
	Month     string `json:"month"`
	Variant   string `json:"variant"`
	Format    string `json:"format"`
	Rendering int    `json:"rendering"`
	// FileName is the archived file's base name.
	FileName string `json:"file_name"`
	Size     int64  `json:"size"`
	// SHA256 is the file's hash, as sha256sum prints it; DocumentSHA256 the hash its
	// footer prints (empty for renderings archived before it was printed).
	SHA256         string     `json:"sha256"`
	DocumentSHA256 string     `json:"document_sha256,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	SentAt         *time.Time `json:"sent_at,omitempty"`
}

// NewReportRow shows an archived rendering, whose customer is called customer.
func NewReportRow(r store.ReportArchive, customer string) ReportRow {
	return ReportRow{
		ID: r.ID, CustomerID: r.CustomerID, Customer: customer, Month: r.Month, Variant: r.Variant, Format: r.Format,
		Rendering: r.Rendering, FileName: filepath.Base(r.Path), Size: r.Size, SHA256: r.SHA256, DocumentSHA256: r.DocumentSHA256,
		CreatedAt: r.CreatedAt.UTC(), SentAt: utc(r.SentAt),
	}
}

// ReportArchive lists a page of the archived renderings q selects, newest first, and
// how many it selects.
func (a *App) ReportArchive(ctx context.Context, q store.ReportQuery, rows store.Rows) ([]ReportRow, int64, error) {
	views, total, err := a.Store.ReportArchivePage(ctx, q, rows)
	if err != nil {
		return nil, 0, err
	}
	out := make([]ReportRow, len(views))
	for i, v := range views {
		out[i] = NewReportRow(v.ReportArchive, v.CustomerName)
	}
	return out, total, nil
}

// ReportFile reads archived rendering id and its file's content. A file that is gone
// or no longer hashes as archived is an error: the archive serves only what it kept.
func (a *App) ReportFile(ctx context.Context, id uint) (ReportRow, []byte, error) {
	v, err := a.Store.ReportArchiveByID(ctx, id)
	if err != nil {
		return ReportRow{}, nil, err
	}
	row := NewReportRow(v.ReportArchive, v.CustomerName)
	data, err := os.ReadFile(v.Path)
	if err != nil {
		return row, nil, fmt.Errorf("reading archived report %d: %w", id, err)
	}
	if sum := fmt.Sprintf("%x", sha256.Sum256(data)); sum != v.SHA256 {
		return row, nil, fmt.Errorf("archived report %d: its file %s hashes to %s, not %s as archived", id, v.Path, sum, v.SHA256)
	}
	return row, data, nil
}
