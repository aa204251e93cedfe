// Package newfile writes files that must not exist yet: created exclusively, synced
// to disk, given their mode whatever the umask, and removed again when writing fails,
// so that a key, a report or an export is never overwritten nor left half written.
package newfile

import (
	"fmt"
	"io/fs"
	"os"
)

// Write creates path holding data with mode. When path exists it fails with an error
// that wraps fs.ErrExist and changes nothing.
func Write(path string, data []byte, mode fs.FileMode) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			os.Remove(path)
			err = fmt.Errorf("writing %s: %w", path, err)
		}
	}()
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// The umask may have taken bits the mode asked for; never more than it gives.
		err = os.Chmod(path, mode)
	}
	return err
}
