// Package seal encrypts the fields that hold vendor payloads and message bodies with
// AES-256-GCM under a 32-byte key kept outside the configuration file. A sealed value
// names the key that sealed it, so keys can be rotated: the new key seals, the
// previous keys still open.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a sealing key in bytes.
const KeySize = 32

// version is the prefix of every value this package seals.
const version = "v1"

const nonceSize = 12

// The errors Open returns, wrapped with details; test them with errors.Is.
var (
	// ErrNoKey means no sealing key is configured (the Keyring is nil).
	ErrNoKey = errors.New("no sealing key is configured (set seal.key)")
	// ErrUnknownVersion means the value was sealed by a format this build does not know.
	ErrUnknownVersion = errors.New("unknown sealed value version")
	// ErrUnknownKey means no configured key has the value's key id.
	ErrUnknownKey = errors.New("sealed with a key that is not configured")
	// ErrMalformed means the value is not a sealed value at all.
	ErrMalformed = errors.New("malformed sealed value")
	// ErrAuthentication means the value was tampered with, or was sealed for another
	// field (other associated data).
	ErrAuthentication = errors.New("sealed value failed authentication")
)

// ParseKey reads a key written as 32 raw bytes, 64 hex digits, or standard or URL
// base64 (padded or not) of 32 bytes. Trailing whitespace is ignored. The error never
// contains the key material.
func ParseKey(b []byte) ([]byte, error) {
	if len(b) == KeySize {
		return append([]byte(nil), b...), nil
	}
	s := strings.TrimRight(string(b), " \t\r\n")
	if len(s) == KeySize {
		return []byte(s), nil
	}
	if len(s) == 2*KeySize {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding,
	} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	return nil, fmt.Errorf("sealing key is %d bytes long (after trimming whitespace) and is not a valid key: "+
		"want 32 raw bytes, 64 hex digits, or base64 of 32 bytes (44 characters padded, 43 unpadded)", len(s))
}

// KeyID returns the id a sealed value carries for key: the first 4 bytes of its
// SHA-256, in hex.
func KeyID(key []byte) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:4])
}

// GenerateKey returns a new random 32-byte key.
func GenerateKey() ([]byte, error) {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("generating sealing key: %w", err)
	}
	return k, nil
}

// Keyring seals with its current key and opens with the current or any previous key.
// It is safe for concurrent use.
type Keyring struct {
	currentID string
	aeads     map[string]cipher.AEAD
	// nonceKey derives the nonce of SealDeterministic from the current key.
	nonceKey []byte
}

// NewKeyring returns a Keyring that seals with current and also opens values sealed
// with any of previous. Each key must be 32 bytes (see ParseKey).
func NewKeyring(current []byte, previous ...[]byte) (*Keyring, error) {
	k := &Keyring{aeads: make(map[string]cipher.AEAD, 1+len(previous))}
	id, err := k.add(current)
	if err != nil {
		return nil, fmt.Errorf("current sealing key: %w", err)
	}
	k.currentID = id
	k.nonceKey = derive(current, "custos seal deterministic nonce v1")
	for i, p := range previous {
		if _, err := k.add(p); err != nil {
			return nil, fmt.Errorf("previous sealing key %d: %w", i+1, err)
		}
	}
	return k, nil
}

func (k *Keyring) add(key []byte) (string, error) {
	if len(key) != KeySize {
		return "", fmt.Errorf("key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return "", err
	}
	id := KeyID(key)
	if _, dup := k.aeads[id]; !dup {
		k.aeads[id] = aead
	}
	return id, nil
}

// CurrentKeyID returns the id of the key that Seal uses.
func (k *Keyring) CurrentKeyID() string {
	if k == nil {
		return ""
	}
	return k.currentID
}

// Seal encrypts plaintext under the current key and returns
// "v1.<keyid>.<base64url(nonce||ciphertext)>". associatedData binds the value to where
// it is stored (e.g. "configurations.raw"): Open with other associated data fails.
func (k *Keyring) Seal(plaintext, associatedData []byte) (string, error) {
	if k == nil {
		return "", fmt.Errorf("sealing: %w", ErrNoKey)
	}
	nonce := make([]byte, nonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("sealing: reading nonce: %w", err)
	}
	return k.seal(nonce, plaintext, associatedData), nil
}

// SealDeterministic seals like Seal, with a nonce derived (HMAC-SHA256) from the
// current key, the associated data and the plaintext instead of a random one: equal
// values under one key and associated data seal to equal strings. A column sealed
// this way can still be compared, joined and grouped by in SQL, as a keyed blind
// index would be, and opened with Open; what it reveals is which of its values are
// equal. Use it only for references that must be matched.
func (k *Keyring) SealDeterministic(plaintext, associatedData []byte) (string, error) {
	if k == nil {
		return "", fmt.Errorf("sealing: %w", ErrNoKey)
	}
	mac := hmac.New(sha256.New, k.nonceKey)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(associatedData)))
	mac.Write(n[:])
	mac.Write(associatedData)
	mac.Write(plaintext)
	return k.seal(mac.Sum(nil)[:nonceSize], plaintext, associatedData), nil
}

// seal encrypts plaintext under the current key with nonce.
func (k *Keyring) seal(nonce, plaintext, associatedData []byte) string {
	aead := k.aeads[k.currentID]
	buf := make([]byte, 0, nonceSize+len(plaintext)+aead.Overhead())
	buf = append(buf, nonce...)
	buf = aead.Seal(buf, nonce, plaintext, associatedData)
	return version + "." + k.currentID + "." + base64.RawURLEncoding.EncodeToString(buf)
}

// derive returns an HMAC-SHA256 subkey of key for purpose.
func derive(key []byte, purpose string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(purpose))
	return mac.Sum(nil)
}

// IsSealed reports whether s has the shape of a value this package seals (version,
// key id and payload); it does not open it.
func IsSealed(s string) bool {
	// Most values read are not sealed at all: tell them without split's error.
	if !strings.HasPrefix(s, version+".") {
		return false
	}
	_, _, _, err := split(s)
	return err == nil
}

// Open decrypts a value made by Seal with the same associated data. Its errors wrap
// ErrNoKey, ErrUnknownVersion, ErrUnknownKey, ErrMalformed or ErrAuthentication.
func (k *Keyring) Open(sealed string, associatedData []byte) ([]byte, error) {
	if k == nil {
		return nil, fmt.Errorf("opening sealed value: %w", ErrNoKey)
	}
	ver, id, payload, err := split(sealed)
	if err != nil {
		return nil, fmt.Errorf("opening sealed value: %w", err)
	}
	if ver != version {
		return nil, fmt.Errorf("opening sealed value: %w %q (this build knows %s)", ErrUnknownVersion, truncate(ver), version)
	}
	aead, ok := k.aeads[id]
	if !ok {
		return nil, fmt.Errorf("opening sealed value: %w: key id %s; after a key rotation the old key must be listed in seal.previous_keys", ErrUnknownKey, truncate(id))
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || len(raw) < nonceSize+aead.Overhead() {
		return nil, fmt.Errorf("opening sealed value: %w: payload is not base64url of nonce and ciphertext", ErrMalformed)
	}
	plain, err := aead.Open(nil, raw[:nonceSize], raw[nonceSize:], associatedData)
	if err != nil {
		return nil, fmt.Errorf("opening sealed value (key id %s): %w: tampered with, or sealed for another field", id, ErrAuthentication)
	}
	return plain, nil
}

// NeedsReseal reports whether sealed was sealed with a key other than the current one,
// so it should be opened and sealed again after a key rotation. A value that is not
// sealed by this package at all reports false.
func (k *Keyring) NeedsReseal(sealed string) bool {
	if k == nil {
		return false
	}
	ver, id, _, err := split(sealed)
	if err != nil || ver != version {
		return false
	}
	return id != k.currentID
}

// split cuts a sealed value into its version, key id and payload.
func split(sealed string) (ver, id, payload string, err error) {
	ver, rest, _ := strings.Cut(sealed, ".")
	id, payload, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(payload, ".") {
		return "", "", "", fmt.Errorf("%w: want version.keyid.payload", ErrMalformed)
	}
	if ver == "" || id == "" || payload == "" {
		return "", "", "", fmt.Errorf("%w: empty part", ErrMalformed)
	}
	return ver, id, payload, nil
}

// truncate keeps a foreign string short in an error message.
func truncate(s string) string {
	const maxLen = 16
	if len(s) > maxLen {
		return s[:maxLen] + "…"
	}
	return s
}
