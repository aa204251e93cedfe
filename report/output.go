package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/custos-msp/custos/store"
)

// Formats a report renders to.
const (
	FormatHTML = "html"
	FormatPDF  = "pdf"
)

// Render writes the report in the format, html or pdf.
func Render(w io.Writer, r *Report, format string) error {
	switch format {
	case FormatHTML:
		return RenderHTML(w, r)
	case FormatPDF:
		return RenderPDF(w, r)
	}
	return fmt.Errorf("report: format %q: want html or pdf", format)
}

// File is a rendered report written to disk.
type File struct {
	Path   string
	SHA256 string
	Size   int64
	Format string
}

var unsafeName = regexp.MustCompile(`[^a-z0-9]+`)

// FileName is the report's file name: customer, month, variant and format, e.g.
// contoso-ltd_2026-10.pdf or contoso-ltd_2026-10_internal.html.
func FileName(r *Report, format string) string {
	name := strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(r.Customer), "-"), "-")
	if name == "" {
		name = "customer"
	}
	name += "_" + r.Month
	if r.Internal() {
		name += "_" + VariantInternal
	}
	return name + "." + format
}

// Write renders the report into dir (created if need be) under FileName, replacing
// the file in one rename so that a reader never sees half a report.
func Write(dir string, r *Report, format string) (File, error) {
	var buf bytes.Buffer
	if err := Render(&buf, r, format); err != nil {
		return File{}, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return File{}, fmt.Errorf("report: creating %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName(r, format))
	tmp, err := os.CreateTemp(dir, ".report-*")
	if err != nil {
		return File{}, fmt.Errorf("report: writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return File{}, fmt.Errorf("report: writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return File{}, fmt.Errorf("report: writing %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o640); err != nil {
		return File{}, fmt.Errorf("report: writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return File{}, fmt.Errorf("report: writing %s: %w", path, err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return File{Path: path, SHA256: hex.EncodeToString(sum[:]), Size: int64(buf.Len()), Format: format}, nil
}

// Archive records a written report in the store's archive; it returns false when
// the archive already held the same content.
func Archive(ctx context.Context, st *store.Store, customerID uint, r *Report, f File) (bool, error) {
	return st.ArchiveReport(ctx, &store.ReportArchive{
		CustomerID: customerID, Month: r.Month, Format: f.Format, Variant: r.Variant,
		SHA256: f.SHA256, Path: f.Path, Size: f.Size, TemplateVersion: r.TemplateVersion,
	})
}

// LoadLogo reads a PNG or JPEG logo; an empty path is no logo.
func LoadLogo(path string) (*Logo, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("report: reading the logo: %w", err)
	}
	mime := http.DetectContentType(data)
	if mime != "image/png" && mime != "image/jpeg" {
		return nil, fmt.Errorf("report: logo %s is %s, not a PNG or JPEG image", path, mime)
	}
	return &Logo{MIME: mime, Data: data}, nil
}
