package seal

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"

	"github.com/custos-msp/custos/newfile"
)

// WriteKeyFile writes a new random key to path as 64 hex digits and a newline, with
// mode 0600. It refuses to overwrite an existing file, so a key that sealed data is
// never lost by accident.
func WriteKeyFile(path string) error {
	key, err := GenerateKey()
	if err != nil {
		return err
	}
	if err := newfile.Write(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("writing sealing key: %s: refusing to overwrite a key: %w", path, fs.ErrExist)
		}
		return fmt.Errorf("writing sealing key: %w", err)
	}
	return nil
}
