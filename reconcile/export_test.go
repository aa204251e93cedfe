package reconcile

import "testing"

// SetBatchRows makes runs record batches of n rows until t ends.
func SetBatchRows(t testing.TB, n int) {
	old := batchRows
	batchRows = n
	t.Cleanup(func() { batchRows = old })
}
