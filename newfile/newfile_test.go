package newfile_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/custos-msp/custos/newfile"
)

func TestWrite(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := t.TempDir()
	tests := []struct {
		name string
		mode fs.FileMode
	}{{"private", 0o600}, {"group-readable despite the umask", 0o640}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name)
			if err := newfile.Write(path, []byte("first"), tt.mode); err != nil {
				t.Fatal(err)
			}
			info, err := os.Stat(path)
			if err != nil || info.Mode().Perm() != tt.mode {
				t.Fatalf("mode = %v, %v; want %v", info.Mode().Perm(), err, tt.mode)
			}
			err = newfile.Write(path, []byte("second"), tt.mode)
			if !errors.Is(err, fs.ErrExist) {
				t.Errorf("writing over it = %v, want fs.ErrExist", err)
			}
			if b, _ := os.ReadFile(path); string(b) != "first" {
				t.Errorf("the file holds %q after a refused write, want %q", b, "first")
			}
		})
	}
	if err := newfile.Write(filepath.Join(dir, "missing", "x"), nil, 0o600); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}
