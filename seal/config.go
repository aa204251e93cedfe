package seal

import (
	"errors"
	"fmt"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/secret"
)

// FromConfig loads the keys that cfg names and returns the Keyring. When no key is
// configured it returns a nil *Keyring and no error: Seal and Open on it fail with
// ErrNoKey, so only the features that seal need the key.
func FromConfig(cfg config.Seal) (*Keyring, error) {
	if cfg.Key.IsZero() {
		if len(cfg.PreviousKeys) > 0 {
			return nil, errors.New("seal.previous_keys is set but seal.key is not")
		}
		return nil, nil
	}
	current, err := loadKey(cfg.Key)
	if err != nil {
		return nil, fmt.Errorf("seal.key: %w", err)
	}
	previous := make([][]byte, 0, len(cfg.PreviousKeys))
	for i, ref := range cfg.PreviousKeys {
		k, err := loadKey(ref)
		if err != nil {
			return nil, fmt.Errorf("seal.previous_keys[%d]: %w", i, err)
		}
		previous = append(previous, k)
	}
	return NewKeyring(current, previous...)
}

// loadKey reads one key from where ref says it lives and parses it.
func loadKey(ref secret.Ref) ([]byte, error) {
	v, err := ref.Load()
	if err != nil {
		return nil, err
	}
	return ParseKey([]byte(v.Reveal()))
}
