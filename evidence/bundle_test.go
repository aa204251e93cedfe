package evidence_test

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/custos-msp/custos/evidence"
)

func newKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

// bundle makes a bundle of month following the manifest hash previous of
// previousMonth, with accesses as its accesses file.
func bundle(t *testing.T, key ed25519.PrivateKey, month, previous, previousMonth, accesses string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	m := evidence.Manifest{Customer: "Contoso Ltd", Month: month, CreatedAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		Previous: previous, PreviousMonth: previousMonth}
	files := []evidence.Content{{Name: "accesses.json", Data: []byte(accesses)}, {Name: "reports/contoso.pdf", Data: []byte("%PDF-1.7")}}
	written, err := evidence.Write(&buf, m, files, key)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), written.ManifestSHA256
}

// rewrite copies a bundle, letting change alter (or drop, by returning nil) each
// entry's content, and add extra entries.
func rewrite(t *testing.T, b []byte, change func(name string, data []byte) []byte, extra ...evidence.Content) []byte {
	t.Helper()
	r, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	w := zip.NewWriter(&out)
	put := func(name string, data []byte) {
		fw, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	for _, f := range r.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		if data = change(f.Name, data); data != nil {
			put(f.Name, data)
		}
	}
	for _, e := range extra {
		put(e.Name, e.Data)
	}
	w.Close()
	return out.Bytes()
}

func same(_ string, data []byte) []byte { return data }

func TestVerify(t *testing.T) {
	key := newKey(t)
	intact, _ := bundle(t, key, "2026-11", "", "", `[{"id":1}]`)
	tests := []struct {
		name   string
		bundle []byte
		pub    ed25519.PublicKey
		want   error
		says   string
	}{
		{"intact", intact, key.Public().(ed25519.PublicKey), nil, ""},
		{"one byte of a file changed", rewrite(t, intact, func(n string, d []byte) []byte {
			if n == "accesses.json" {
				d = bytes.Replace(d, []byte("1"), []byte("2"), 1)
			}
			return d
		}), key.Public().(ed25519.PublicKey), evidence.ErrAltered, "accesses.json was changed"},
		{"a file removed", rewrite(t, intact, func(n string, d []byte) []byte {
			if strings.HasPrefix(n, "reports/") {
				return nil
			}
			return d
		}), key.Public().(ed25519.PublicKey), evidence.ErrAltered, "reports/contoso.pdf is missing"},
		{"a file added", rewrite(t, intact, same, evidence.Content{Name: "extra.json", Data: []byte("{}")}),
			key.Public().(ed25519.PublicKey), evidence.ErrAltered, "extra.json is not in the manifest"},
		{"the manifest changed", rewrite(t, intact, func(n string, d []byte) []byte {
			if n == evidence.ManifestName {
				d = bytes.Replace(d, []byte("Contoso"), []byte("Fabrikm"), 1)
			}
			return d
		}), key.Public().(ed25519.PublicKey), evidence.ErrSignature, "changed after it was signed"},
		{"another key", intact, newKey(t).Public().(ed25519.PublicKey), evidence.ErrSignature, "signed with key"},
		{"not a zip", []byte("PK not really"), key.Public().(ed25519.PublicKey), evidence.ErrMalformed, ""},
		{"no manifest", rewrite(t, intact, func(n string, d []byte) []byte {
			if n == evidence.ManifestName {
				return nil
			}
			return d
		}), key.Public().(ed25519.PublicKey), evidence.ErrMalformed, "no manifest.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := evidence.Verify(bytes.NewReader(tt.bundle), int64(len(tt.bundle)), tt.pub)
			if tt.want == nil {
				if err != nil || v.Manifest.Month != "2026-11" || len(v.Manifest.Files) != 2 {
					t.Fatalf("Verify = %+v, %v; want intact", v.Manifest, err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("Verify = %v; want %v saying %q", err, tt.want, tt.says)
			}
		})
	}
}

func TestChainProblems(t *testing.T) {
	key := newKey(t)
	pub := key.Public().(ed25519.PublicKey)
	verify := func(b []byte) evidence.Verified {
		v, err := evidence.Verify(bytes.NewReader(b), int64(len(b)), pub)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	sep, sepSum := bundle(t, key, "2026-09", "", "", "[]")
	oct, octSum := bundle(t, key, "2026-10", sepSum, "2026-09", `[{"id":1}]`)
	nov, _ := bundle(t, key, "2026-11", octSum, "2026-10", `[{"id":2}]`)
	// October made again without its access: a different manifest, which November does not name.
	forged, _ := bundle(t, key, "2026-10", sepSum, "2026-09", "[]")

	tests := []struct {
		name    string
		bundles []evidence.Verified
		says    string
	}{
		{"unbroken", []evidence.Verified{verify(nov), verify(sep), verify(oct)}, ""},
		{"a month removed", []evidence.Verified{verify(sep), verify(nov)}, "follows 2026-10, which is missing here"},
		{"a month replaced", []evidence.Verified{verify(sep), verify(forged), verify(nov)}, "is not 2026-10's"},
		{"a month twice", []evidence.Verified{verify(oct), verify(forged)}, "two bundles of the same month"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := evidence.ChainProblems(tt.bundles)
			if tt.says == "" {
				if len(got) != 0 {
					t.Errorf("problems = %q, want none", got)
				}
				return
			}
			if len(got) != 1 || !strings.Contains(got[0], tt.says) {
				t.Errorf("problems = %q, want one saying %q", got, tt.says)
			}
		})
	}
}
