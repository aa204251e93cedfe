package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/custos-msp/custos/newfile"

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
	Path string
	// SHA256 is the SHA-256 of the file's bytes; DocumentSHA256 is the document
	// hash its footer prints (Stamp).
	SHA256, DocumentSHA256 string
	Size                   int64
	Format                 string
	// Rendering is the rendering's number (Report.Rendering).
	Rendering int
}

var unsafeName = regexp.MustCompile(`[^a-z0-9]+`)

// FileName is the file name of the report's rendering: month, customer, variant
// (when internal), rendering number and format, e.g. 2026-10-contoso-ltd-r2.pdf or
// 2026-10-contoso-ltd-internal-r1.html.
func FileName(r *Report, format string) string {
	name := strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(r.Customer), "-"), "-")
	if name == "" {
		name = "customer"
	}
	name = r.Month + "-" + name
	if r.Internal() {
		name += "-" + VariantInternal
	}
	return fmt.Sprintf("%s-r%d.%s", name, r.Rendering, format)
}

// Write renders and stamps (Stamp) the report into dir (created if need be) as a new
// file named FileName, readable by its owner and group only (0640). It never
// replaces a file: when the name is taken, the error matches fs.ErrExist. A write
// that fails removes the file it created.
func Write(dir string, r *Report, format string) (File, error) {
	var buf bytes.Buffer
	if err := Render(&buf, r, format); err != nil {
		return File{}, err
	}
	data, docSum, err := Stamp(buf.Bytes())
	if err != nil {
		return File{}, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return File{}, fmt.Errorf("report: creating %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName(r, format))
	if err := createNew(path, data); err != nil {
		return File{}, err
	}
	sum := sha256.Sum256(data)
	return File{Path: path, SHA256: hex.EncodeToString(sum[:]), DocumentSHA256: docSum, Size: int64(len(data)), Format: format, Rendering: r.Rendering}, nil
}

// createNew writes data to a file that must not exist yet, 0640 whatever the umask.
func createNew(path string, data []byte) error {
	if err := newfile.Write(path, data, 0o640); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// keepTries bounds how many rendering numbers Keep tries when others are taken.
const keepTries = 20

// Keep renders a new rendering of the customer's report in the format, writes it
// under dir and archives it: numbered one after the highest archived rendering of
// that month, format and variant, or the next free number when a file of that name
// exists already or another writer archived the number first. Nothing it kept is
// ever replaced.
func Keep(ctx context.Context, st *store.Store, customerID uint, dir string, r *Report, format string) (File, store.ReportArchive, error) {
	n, err := st.NextRendering(ctx, customerID, r.Month, format, r.Variant)
	if err != nil {
		return File{}, store.ReportArchive{}, fmt.Errorf("report: %w", err)
	}
	for range keepTries {
		r.Rendering = n
		n++
		f, err := Write(dir, r, format)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return File{}, store.ReportArchive{}, err
		}
		a := store.ReportArchive{
			CustomerID: customerID, Month: r.Month, Format: f.Format, Variant: r.Variant, Rendering: f.Rendering,
			SHA256: f.SHA256, DocumentSHA256: f.DocumentSHA256, Path: f.Path, Size: f.Size, TemplateVersion: r.TemplateVersion,
		}
		err = st.ArchiveReport(ctx, &a)
		if errors.Is(err, store.ErrRenderingTaken) {
			os.Remove(f.Path)
			continue
		}
		if err != nil {
			os.Remove(f.Path)
			return File{}, store.ReportArchive{}, fmt.Errorf("report: %w", err)
		}
		return f, a, nil
	}
	return File{}, store.ReportArchive{}, fmt.Errorf("report: no free rendering number for the %s %s report of %s %s after %d tries", r.Variant, format, r.Customer, r.Month, keepTries)
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
