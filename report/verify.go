package report

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/custos-msp/custos/store"
)

// Verification is what Verify found out about a file.
type Verification struct {
	// SHA256 is the SHA-256 of the file's bytes.
	SHA256 string
	// Printed is the document hash the file prints ("" when it prints none) and
	// SelfConsistent whether the file still hashes to it (DocumentHash).
	Printed        string
	SelfConsistent bool
	// Archive is the archived rendering the file is (when Intact) or claims to be
	// (by the document hash it prints); nil when the archive knows neither hash.
	Archive *store.ReportArchive
	// Customer is the archived rendering's customer's name.
	Customer string
	// Intact is true when the file is byte for byte an archived rendering.
	Intact bool
}

// Known reports whether the file is, or claims to be, an archived rendering.
func (v Verification) Known() bool { return v.Archive != nil }

// Verify tells which archived rendering a report file is and whether it is intact:
// intact when its bytes hash to the SHA-256 archived for a rendering; altered when
// they do not but the document hash it prints is an archived rendering's; unknown
// otherwise. It also checks the printed hash against the file itself, which needs
// no archive.
func Verify(ctx context.Context, st *store.Store, data []byte) (Verification, error) {
	sum := sha256.Sum256(data)
	v := Verification{SHA256: hex.EncodeToString(sum[:])}
	v.Printed, v.SelfConsistent = DocumentHash(data)
	rows, err := st.ReportArchivesByHash(ctx, v.SHA256)
	if err != nil {
		return v, fmt.Errorf("report: %w", err)
	}
	if len(rows) == 0 && v.Printed != "" {
		if rows, err = st.ReportArchivesByHash(ctx, v.Printed); err != nil {
			return v, fmt.Errorf("report: %w", err)
		}
	}
	if len(rows) == 0 {
		return v, nil
	}
	// The oldest rendering wins: renderings archived before they were numbered
	// could share one file's content.
	a := rows[0]
	v.Archive, v.Intact = &a, a.SHA256 == v.SHA256
	customers, err := st.Customers(ctx)
	if err != nil {
		return v, fmt.Errorf("report: %w", err)
	}
	v.Customer = fmt.Sprintf("customer %d", a.CustomerID)
	for _, c := range customers {
		if c.ID == a.CustomerID {
			v.Customer = c.Name
		}
	}
	return v, nil
}
