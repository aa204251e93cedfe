package seal

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// WriteKeyFile writes a new random key to path as 64 hex digits and a newline, with
// mode 0600. It refuses to overwrite an existing file, so a key that sealed data is
// never lost by accident.
func WriteKeyFile(path string) error {
	key, err := GenerateKey()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("writing sealing key: %s: refusing to overwrite a key: %w", path, fs.ErrExist)
		}
		return fmt.Errorf("writing sealing key: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("writing sealing key: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("writing sealing key: %w", err)
	}
	return nil
}
