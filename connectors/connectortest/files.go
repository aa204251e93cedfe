package connectortest

import (
	"os"
	"path/filepath"
	"testing"
)

// ReadFiles returns the contents of the files pattern matches, in name order, and
// fails the test when there are none: fuzz targets seed their corpus with fixtures.
func ReadFiles(tb testing.TB, pattern string) [][]byte {
	tb.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		tb.Fatalf("no files match %s: %v", pattern, err)
	}
	out := make([][]byte, len(files))
	for i, file := range files {
		if out[i], err = os.ReadFile(file); err != nil {
			tb.Fatal(err)
		}
	}
	return out
}
