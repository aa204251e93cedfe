package app

import (
	"context"

	"github.com/custos-msp/custos/report"
)

// VerifyReport says which archived rendering a report file's content is, or claims
// to be, and whether it is intact (report.Verify).
func (a *App) VerifyReport(ctx context.Context, data []byte) (report.Verification, error) {
	return report.Verify(ctx, a.Store, data)
}
