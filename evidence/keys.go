package evidence

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/custos-msp/custos/newfile"
)

// The PEM block types of the signing key files (PKCS #8 and PKIX, as openssl writes them).
const (
	privatePEM = "PRIVATE KEY"
	publicPEM  = "PUBLIC KEY"
)

// WriteKeyPair writes a new Ed25519 signing key to path (mode 0600) and its public
// key to path+".pub" (mode 0644), both PEM. It never overwrites either file.
func WriteKeyPair(path string) error {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("evidence: generating a signing key: %w", err)
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fmt.Errorf("evidence: encoding the signing key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return fmt.Errorf("evidence: encoding the public key: %w", err)
	}
	if err := writeNew(path+".pub", pem.EncodeToMemory(&pem.Block{Type: publicPEM, Bytes: pubDER}), 0o644); err != nil {
		return err
	}
	if err := writeNew(path, pem.EncodeToMemory(&pem.Block{Type: privatePEM, Bytes: privDER}), 0o600); err != nil {
		os.Remove(path + ".pub")
		return err
	}
	return nil
}

func writeNew(path string, data []byte, mode os.FileMode) error {
	if err := newfile.Write(path, data, mode); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("evidence: %s: refusing to overwrite it: %w", path, fs.ErrExist)
		}
		return fmt.Errorf("evidence: %w", err)
	}
	return nil
}

// ParsePrivateKey reads a PEM (PKCS #8) Ed25519 signing key.
func ParsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	der, err := pemBlock(data, privatePEM)
	if err != nil {
		return nil, err
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("evidence: signing key: %w", err)
	}
	priv, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("evidence: signing key is a %T, not Ed25519", key)
	}
	return priv, nil
}

// ParsePublicKey reads a PEM (PKIX) Ed25519 public key.
func ParsePublicKey(data []byte) (ed25519.PublicKey, error) {
	der, err := pemBlock(data, publicPEM)
	if err != nil {
		return nil, err
	}
	key, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("evidence: public key: %w", err)
	}
	pub, ok := key.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("evidence: public key is a %T, not Ed25519", key)
	}
	return pub, nil
}

func pemBlock(data []byte, want string) ([]byte, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("evidence: not a PEM %s", want)
	}
	if block.Type != want {
		return nil, fmt.Errorf("evidence: a PEM %s where a %s belongs", block.Type, want)
	}
	return block.Bytes, nil
}

// Save writes a bundle into dir (created 0750 if need be) as name.zip, or name-2.zip
// and so on when that exists: a bundle is never overwritten. The file is 0600.
func Save(dir, name string, data []byte) (string, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("evidence: creating %s: %w", dir, err)
	}
	for n := 1; ; n++ {
		path := filepath.Join(dir, name+".zip")
		if n > 1 {
			path = filepath.Join(dir, fmt.Sprintf("%s-%d.zip", name, n))
		}
		err := writeNew(path, data, 0o600)
		if !errors.Is(err, fs.ErrExist) {
			return path, err
		}
	}
}
