package seal_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/seal"
	"github.com/custos-msp/custos/secret"
)

func testKey(t testing.TB, fill byte) []byte {
	t.Helper()
	k := bytes.Repeat([]byte{fill}, seal.KeySize)
	k[0] = 0x42 // not all one byte, so hex and base64 forms differ visibly
	return k
}

func mustKeyring(t testing.TB, current []byte, previous ...[]byte) *seal.Keyring {
	t.Helper()
	k, err := seal.NewKeyring(current, previous...)
	if err != nil {
		t.Fatalf("NewKeyring: %v", err)
	}
	return k
}

func TestKeyring_RoundTrip(t *testing.T) {
	k := mustKeyring(t, testKey(t, 1))
	tests := []struct {
		name      string
		plaintext []byte
		ad        []byte
	}{
		{"empty", []byte{}, []byte("outbox.body")},
		{"text", []byte("hello, audit trail"), []byte("configurations.raw")},
		{"binary", []byte{0, 1, 2, 255, 254}, nil},
		{"large", bytes.Repeat([]byte("x"), 1<<16), []byte("access_events.raw")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sealed, err := k.Seal(tt.plaintext, tt.ad)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			wantPrefix := "v1." + k.CurrentKeyID() + "."
			if !strings.HasPrefix(sealed, wantPrefix) {
				t.Errorf("sealed = %q, want prefix %q", sealed, wantPrefix)
			}
			if strings.ContainsAny(sealed, "+/=") {
				t.Errorf("sealed = %q, want base64url without padding", sealed)
			}
			got, err := k.Open(sealed, tt.ad)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(got, tt.plaintext) {
				t.Errorf("Open = %q, want %q", got, tt.plaintext)
			}
			if k.NeedsReseal(sealed) {
				t.Error("NeedsReseal = true for a value sealed with the current key")
			}
		})
	}
}

func TestKeyID_IsFirstFourBytesOfSHA256(t *testing.T) {
	// SHA-256 of 32 zero bytes is 66687aadf862bd77...
	if got, want := seal.KeyID(make([]byte, 32)), "66687aad"; got != want {
		t.Errorf("KeyID = %q, want %q", got, want)
	}
}

func TestKeyring_SealUsesRandomNonce(t *testing.T) {
	k := mustKeyring(t, testKey(t, 1))
	a, err := k.Seal([]byte("same"), []byte("f"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := k.Seal([]byte("same"), []byte("f"))
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Errorf("two seals of the same plaintext are equal: %q", a)
	}
}

func TestKeyring_SealDeterministic(t *testing.T) {
	k := mustKeyring(t, testKey(t, 1))
	other := mustKeyring(t, testKey(t, 2))
	seal1 := func(k *seal.Keyring, plain, ad string) string {
		t.Helper()
		s, err := k.SealDeterministic([]byte(plain), []byte(ad))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := seal1(k, "alice@msp.example", "ref")
	tests := []struct {
		name      string
		b         string
		wantEqual bool
	}{
		{"same value, key and field", seal1(k, "alice@msp.example", "ref"), true},
		{"another value", seal1(k, "bob@msp.example", "ref"), false},
		{"another field", seal1(k, "alice@msp.example", "name"), false},
		{"another key", seal1(other, "alice@msp.example", "ref"), false},
		{"a prefix of the value", seal1(k, "alice@msp.exampl", "ref"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := a == tt.b; got != tt.wantEqual {
				t.Errorf("equal = %v, want %v (%q, %q)", got, tt.wantEqual, a, tt.b)
			}
		})
	}
	plain, err := k.Open(a, []byte("ref"))
	if err != nil || string(plain) != "alice@msp.example" {
		t.Errorf("Open = %q, %v; want the value back", plain, err)
	}
	if strings.Contains(a, "alice") || !seal.IsSealed(a) || seal.IsSealed("alice@msp.example") {
		t.Errorf("deterministic seal %q: not sealed, or IsSealed wrong", a)
	}
}

func TestKeyring_OpenErrors(t *testing.T) {
	k := mustKeyring(t, testKey(t, 1))
	sealed, err := k.Seal([]byte("firewall-config-xyzzy"), []byte("configurations.raw"))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(sealed, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	tamper := func(i int) string {
		b := append([]byte(nil), raw...)
		b[i] ^= 0x01
		return parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(b)
	}
	other := mustKeyring(t, testKey(t, 2))

	tests := []struct {
		name    string
		keyring *seal.Keyring
		sealed  string
		ad      string
		want    error
		mention string
	}{
		{"associated data mismatch", k, sealed, "outbox.body", seal.ErrAuthentication, "another field"},
		{"no associated data", k, sealed, "", seal.ErrAuthentication, ""},
		{"tampered ciphertext", k, tamper(len(raw) - 20), "configurations.raw", seal.ErrAuthentication, "tampered"},
		{"tampered tag", k, tamper(len(raw) - 1), "configurations.raw", seal.ErrAuthentication, ""},
		{"tampered nonce", k, tamper(0), "configurations.raw", seal.ErrAuthentication, ""},
		{"unknown version", k, "v2." + parts[1] + "." + parts[2], "configurations.raw", seal.ErrUnknownVersion, "v2"},
		{"unknown key id", other, sealed, "configurations.raw", seal.ErrUnknownKey, "previous_keys"},
		{"not sealed", k, "plain text", "configurations.raw", seal.ErrMalformed, ""},
		{"empty", k, "", "configurations.raw", seal.ErrMalformed, ""},
		{"too many parts", k, sealed + ".x", "configurations.raw", seal.ErrMalformed, ""},
		{"bad base64", k, parts[0] + "." + parts[1] + ".!!!", "configurations.raw", seal.ErrMalformed, ""},
		{"too short", k, parts[0] + "." + parts[1] + ".AAAA", "configurations.raw", seal.ErrMalformed, ""},
		{"nil keyring", nil, sealed, "configurations.raw", seal.ErrNoKey, "no sealing key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.keyring.Open(tt.sealed, []byte(tt.ad))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Open error = %v, want %v", err, tt.want)
			}
			if got != nil {
				t.Errorf("Open returned plaintext %q with an error", got)
			}
			if tt.mention != "" && !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
			if strings.Contains(err.Error(), "xyzzy") {
				t.Errorf("error %q shows the plaintext", err)
			}
		})
	}
}

func TestKeyring_NilDoesNotPanic(t *testing.T) {
	var k *seal.Keyring
	if _, err := k.Seal([]byte("x"), nil); !errors.Is(err, seal.ErrNoKey) {
		t.Errorf("Seal error = %v, want ErrNoKey", err)
	}
	if _, err := k.Open("v1.00000000.AAAA", nil); !errors.Is(err, seal.ErrNoKey) {
		t.Errorf("Open error = %v, want ErrNoKey", err)
	}
	if k.NeedsReseal("v1.00000000.AAAA") {
		t.Error("NeedsReseal on nil keyring = true")
	}
}

func TestKeyring_Rotation(t *testing.T) {
	oldKey, newKey := testKey(t, 1), testKey(t, 2)
	ad := []byte("configurations.raw")
	sealed, err := mustKeyring(t, oldKey).Seal([]byte("before rotation"), ad)
	if err != nil {
		t.Fatal(err)
	}

	rotated := mustKeyring(t, newKey, oldKey)
	got, err := rotated.Open(sealed, ad)
	if err != nil {
		t.Fatalf("Open with old key in previous: %v", err)
	}
	if string(got) != "before rotation" {
		t.Errorf("Open = %q", got)
	}
	if !rotated.NeedsReseal(sealed) {
		t.Error("NeedsReseal = false for a value sealed with a previous key")
	}
	resealed, err := rotated.Seal(got, ad)
	if err != nil {
		t.Fatal(err)
	}
	if rotated.NeedsReseal(resealed) {
		t.Error("NeedsReseal = true after resealing")
	}

	_, err = mustKeyring(t, newKey).Open(sealed, ad)
	if !errors.Is(err, seal.ErrUnknownKey) {
		t.Fatalf("Open without old key: error = %v, want ErrUnknownKey", err)
	}
	for _, want := range []string{seal.KeyID(oldKey), "rotation", "previous_keys"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestParseKey_Forms(t *testing.T) {
	key := make([]byte, seal.KeySize)
	for i := range key {
		key[i] = byte(i*7 + 250) // includes bytes that differ in std and URL base64
	}
	std := base64.StdEncoding.EncodeToString(key)
	url := base64.URLEncoding.EncodeToString(key)
	if std == url {
		t.Fatal("test key does not tell std from URL base64")
	}
	tests := []struct {
		name  string
		input []byte
	}{
		{"raw", key},
		{"hex", []byte(hex.EncodeToString(key))},
		{"hex upper", []byte(strings.ToUpper(hex.EncodeToString(key)))},
		{"hex with newline", []byte(hex.EncodeToString(key) + "\n")},
		{"base64 std", []byte(std)},
		{"base64 std with CRLF", []byte(std + "\r\n")},
		{"base64 url", []byte(url)},
		{"base64 std no padding", []byte(strings.TrimRight(std, "="))},
		{"base64 url no padding", []byte(strings.TrimRight(url, "=") + " \n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := seal.ParseKey(tt.input)
			if err != nil {
				t.Fatalf("ParseKey: %v", err)
			}
			if !bytes.Equal(got, key) {
				t.Errorf("ParseKey = %x, want %x", got, key)
			}
		})
	}
}

func TestParseKey_BadKeysDoNotLeak(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		wantLen string
	}{
		{"empty", "", "0 bytes"},
		{"short", "correct-horse-battery", "21 bytes"},
		{"hex too short", strings.Repeat("ab", 31), "62 bytes"},
		{"hex bad digit", strings.Repeat("ab", 31) + "zz", "64 bytes"},
		{"base64 of 16 bytes", base64.StdEncoding.EncodeToString([]byte("sixteen-byte-key")), "24 bytes"},
		{"base64 of 48 bytes", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("k"), 48)), "64 bytes"},
		{"long passphrase", strings.Repeat("hunter2-", 10), "80 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := seal.ParseKey([]byte(tt.input))
			if err == nil {
				t.Fatal("ParseKey accepted a bad key")
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantLen) {
				t.Errorf("error %q does not give the length %q", msg, tt.wantLen)
			}
			for _, form := range []string{"raw", "hex", "base64"} {
				if !strings.Contains(msg, form) {
					t.Errorf("error %q does not name the accepted form %q", msg, form)
				}
			}
			if len(tt.input) >= 6 {
				for i := 0; i+6 <= len(tt.input); i++ {
					if strings.Contains(msg, tt.input[i:i+6]) {
						t.Fatalf("error %q contains key material %q", msg, tt.input[i:i+6])
					}
				}
			}
		})
	}
}

func TestNewKeyring_RejectsWrongLength(t *testing.T) {
	if _, err := seal.NewKeyring(make([]byte, 16)); err == nil {
		t.Error("NewKeyring accepted a 16-byte current key")
	}
	if _, err := seal.NewKeyring(make([]byte, 32), make([]byte, 31)); err == nil {
		t.Error("NewKeyring accepted a 31-byte previous key")
	}
}

func TestWriteKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seal.key")
	if err := seal.WriteKeyFile(path); err != nil {
		t.Fatalf("WriteKeyFile: %v", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("mode = %o, want 600", mode)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(strings.TrimSpace(string(data))) != 64 {
		t.Errorf("key file holds %d characters, want 64 hex digits", len(strings.TrimSpace(string(data))))
	}
	key, err := seal.ParseKey(data)
	if err != nil {
		t.Fatalf("ParseKey of written file: %v", err)
	}

	err = seal.WriteKeyFile(path)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second WriteKeyFile error = %v, want refusal to overwrite", err)
	}
	again, _ := os.ReadFile(path)
	if !bytes.Equal(again, data) {
		t.Error("second WriteKeyFile changed the existing key")
	}
	if _, err := seal.NewKeyring(key); err != nil {
		t.Errorf("NewKeyring with generated key: %v", err)
	}
}

func TestGenerateKey_IsRandom(t *testing.T) {
	a, err := seal.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := seal.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != seal.KeySize || bytes.Equal(a, b) {
		t.Errorf("GenerateKey gave %x and %x", a, b)
	}
}

func TestFromConfig(t *testing.T) {
	dir := t.TempDir()
	oldPath, newPath := filepath.Join(dir, "old.key"), filepath.Join(dir, "new.key")
	for _, p := range []string{oldPath, newPath} {
		if err := seal.WriteKeyFile(p); err != nil {
			t.Fatal(err)
		}
	}
	oldKey, _ := os.ReadFile(oldPath)
	oldParsed, _ := seal.ParseKey(oldKey)
	sealed, err := mustKeyring(t, oldParsed).Seal([]byte("x"), []byte("f"))
	if err != nil {
		t.Fatal(err)
	}

	k, err := seal.FromConfig(config.Seal{
		Key:          secret.Ref{File: newPath},
		PreviousKeys: []secret.Ref{{File: oldPath}},
	})
	if err != nil {
		t.Fatalf("FromConfig: %v", err)
	}
	if _, err := k.Open(sealed, []byte("f")); err != nil {
		t.Errorf("Open with previous key from config: %v", err)
	}
	if !k.NeedsReseal(sealed) {
		t.Error("NeedsReseal = false")
	}

	none, err := seal.FromConfig(config.Seal{})
	if err != nil || none != nil {
		t.Errorf("FromConfig without key = %v, %v; want nil, nil", none, err)
	}

	t.Setenv("CUSTOS_TEST_BAD_SEAL_KEY", "not-a-key-at-all")
	_, err = seal.FromConfig(config.Seal{Key: secret.Ref{Env: "CUSTOS_TEST_BAD_SEAL_KEY"}})
	if err == nil || strings.Contains(err.Error(), "not-a-key") || !strings.Contains(err.Error(), "seal.key") {
		t.Errorf("FromConfig with bad key error = %v, want one naming seal.key without the key", err)
	}
}

func BenchmarkSeal2KiB(b *testing.B) {
	k := mustKeyring(b, testKey(b, 1))
	payload := bytes.Repeat([]byte("a"), 2048)
	ad := []byte("configurations.raw")
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Seal(payload, ad); err != nil {
			b.Fatal(err)
		}
	}
}

func TestKeyring_ConcurrentUse(t *testing.T) {
	k := mustKeyring(t, testKey(t, 1), testKey(t, 2))
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			var err error
			for j := 0; j < 50 && err == nil; j++ {
				plain := []byte(strings.Repeat("p", i+j))
				var sealed string
				if sealed, err = k.Seal(plain, []byte("outbox.body")); err == nil {
					var got []byte
					if got, err = k.Open(sealed, []byte("outbox.body")); err == nil && !bytes.Equal(got, plain) {
						err = errors.New("round trip changed the plaintext")
					}
				}
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
