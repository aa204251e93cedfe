package seal_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/custos-msp/custos/seal"
)

// FuzzOpen seals mutated plaintexts and opens mutated sealed values: what was sealed
// opens to itself with its associated data and to nothing with another, and a value
// not sealed under a key of the ring fails with one of the package's errors.
func FuzzOpen(f *testing.F) {
	key := bytes.Repeat([]byte{7}, 32)
	ring, err := seal.NewKeyring(key)
	if err != nil {
		f.Fatal(err)
	}
	sealed, err := ring.Seal([]byte(`{"hostname":"CON-PC-001"}`), []byte("endpoints.raw"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(`{"hostname":"CON-PC-001"}`), []byte("endpoints.raw"), sealed)
	f.Add([]byte{}, []byte{}, "v1..")
	f.Add([]byte("x"), []byte("a"), "v2."+ring.CurrentKeyID()+".AAAA")
	f.Add([]byte("x"), []byte("a"), "not sealed")
	f.Fuzz(func(t *testing.T, plaintext, ad []byte, other string) {
		s, err := ring.Seal(plaintext, ad)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := ring.Open(s, ad); err != nil || !bytes.Equal(got, plaintext) {
			t.Fatalf("sealed %q opens to %q, %v", plaintext, got, err)
		}
		if _, err := ring.Open(s, append(bytes.Clone(ad), 'x')); !errors.Is(err, seal.ErrAuthentication) {
			t.Errorf("opened with other associated data: %v", err)
		}
		if ring.NeedsReseal(s) {
			t.Error("a value sealed under the current key needs resealing")
		}
		_, err = ring.Open(other, ad)
		_ = ring.NeedsReseal(other)
		if err != nil && !errors.Is(err, seal.ErrMalformed) && !errors.Is(err, seal.ErrUnknownVersion) &&
			!errors.Is(err, seal.ErrUnknownKey) && !errors.Is(err, seal.ErrAuthentication) {
			t.Errorf("Open(%q) = %v, none of the package's errors", other, err)
		}
	})
}
