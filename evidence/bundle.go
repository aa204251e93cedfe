// Package evidence writes and verifies evidence bundles: one zip per customer and
// month holding what Custos knows of that month (accesses and their decisions,
// authorisations, backups, coverage, findings and their history, the rendered
// reports) and a manifest of every file's SHA-256, signed with the MSP's Ed25519
// key. Each manifest names the hash of the customer's previous month's manifest, so
// a month removed from a series, or altered after the next was made, shows.
//
// Verifying needs only the bundles and the public key: a customer's auditor can do
// it without Custos's database or secrets.
package evidence

import (
	"archive/zip"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"
)

// Format names this bundle layout; Verify refuses any other.
const Format = "custos-evidence/1"

// The names of the manifest and its signature inside a bundle.
const (
	ManifestName  = "manifest.json"
	SignatureName = "manifest.sig"
)

// maxEntry bounds one file read back from a bundle, so a hostile zip cannot exhaust memory.
const maxEntry = 512 << 20

// Manifest lists a bundle's files and says whose month it is.
type Manifest struct {
	Format    string    `json:"format"`
	Customer  string    `json:"customer"`
	Month     string    `json:"month"`
	CreatedAt time.Time `json:"created_at"`
	// Previous is the SHA-256 of the customer's previous month's manifest, empty for
	// the first month Custos made a bundle of.
	Previous      string `json:"previous_manifest_sha256"`
	PreviousMonth string `json:"previous_month,omitempty"`
	// KeyID is the SHA-256 of the public key, so a verifier can tell which key it needs.
	KeyID string `json:"key_id"`
	Files []File `json:"files"`
}

// File is one file of a bundle as the manifest lists it.
type File struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Content is a file to put in a bundle.
type Content struct {
	Name string
	Data []byte
}

// KeyID returns the id of a public key: the hex SHA-256 of its bytes.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:])
}

// Write writes a bundle of files to w: the files, the manifest m completed with
// their hashes and the key's id, and the manifest's signature. It returns the
// manifest as written and its SHA-256, which the next month's manifest names.
func Write(w io.Writer, m Manifest, files []Content, key ed25519.PrivateKey) (Verified, error) {
	m.Format = Format
	m.KeyID = KeyID(key.Public().(ed25519.PublicKey))
	m.Files = nil
	for _, f := range files {
		if err := checkName(f.Name); err != nil {
			return Verified{}, fmt.Errorf("evidence: %w", err)
		}
		sum := sha256.Sum256(f.Data)
		m.Files = append(m.Files, File{Name: f.Name, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(f.Data))})
	}
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return Verified{}, fmt.Errorf("evidence: manifest: %w", err)
	}
	signature := base64.StdEncoding.EncodeToString(ed25519.Sign(key, manifest))
	z := zip.NewWriter(w)
	entries := append([]Content{{ManifestName, manifest}, {SignatureName, []byte(signature + "\n")}}, files...)
	for _, f := range entries {
		fw, err := z.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: m.CreatedAt})
		if err != nil {
			return Verified{}, fmt.Errorf("evidence: adding %s: %w", f.Name, err)
		}
		if _, err := fw.Write(f.Data); err != nil {
			return Verified{}, fmt.Errorf("evidence: writing %s: %w", f.Name, err)
		}
	}
	if err := z.Close(); err != nil {
		return Verified{}, fmt.Errorf("evidence: closing the bundle: %w", err)
	}
	sum := sha256.Sum256(manifest)
	return Verified{Manifest: m, ManifestSHA256: hex.EncodeToString(sum[:])}, nil
}

// checkName refuses names that are not plain relative paths.
func checkName(name string) error {
	if name == "" || name == ManifestName || name == SignatureName || path.Clean(name) != name ||
		strings.HasPrefix(name, "/") || strings.HasPrefix(name, "../") || name == ".." {
		return fmt.Errorf("file name %q is not allowed in a bundle", name)
	}
	return nil
}

// Verified is a bundle that passed Verify: its manifest and the manifest's SHA-256.
type Verified struct {
	Manifest       Manifest
	ManifestSHA256 string
}

// Errors Verify wraps.
var (
	ErrSignature = errors.New("the manifest's signature does not verify with this public key")
	ErrAltered   = errors.New("the bundle's content does not match its manifest")
	ErrMalformed = errors.New("not a Custos evidence bundle")
)

// Verify checks a bundle: the manifest is signed by pub, every file it lists is
// there with its hash and size, and nothing else is. Every problem found is in the
// error, each wrapping ErrSignature, ErrAltered or ErrMalformed.
func Verify(r io.ReaderAt, size int64, pub ed25519.PublicKey) (Verified, error) {
	z, err := zip.NewReader(r, size)
	if err != nil {
		return Verified{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	contents := map[string][]byte{}
	for _, f := range z.File {
		if _, dup := contents[f.Name]; dup {
			return Verified{}, fmt.Errorf("%w: %s appears twice", ErrMalformed, f.Name)
		}
		data, err := readEntry(f)
		if err != nil {
			return Verified{}, fmt.Errorf("%w: reading %s: %v", ErrMalformed, f.Name, err)
		}
		contents[f.Name] = data
	}
	manifest, ok := contents[ManifestName]
	if !ok {
		return Verified{}, fmt.Errorf("%w: no %s", ErrMalformed, ManifestName)
	}
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(contents[SignatureName])))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return Verified{}, fmt.Errorf("%w: %s is not an Ed25519 signature", ErrMalformed, SignatureName)
	}
	var m Manifest
	if err := json.Unmarshal(manifest, &m); err != nil || m.Format != Format {
		return Verified{}, fmt.Errorf("%w: %s is not a %s manifest", ErrMalformed, ManifestName, Format)
	}
	if !ed25519.Verify(pub, manifest, sig) {
		if m.KeyID != KeyID(pub) {
			return Verified{}, fmt.Errorf("%w (the bundle was signed with key %.16s…, this is %.16s…)", ErrSignature, m.KeyID, KeyID(pub))
		}
		return Verified{}, fmt.Errorf("%w: the manifest was changed after it was signed", ErrSignature)
	}
	var problems []error
	listed := map[string]bool{ManifestName: true, SignatureName: true}
	for _, f := range m.Files {
		listed[f.Name] = true
		data, ok := contents[f.Name]
		sum := sha256.Sum256(data)
		switch {
		case !ok:
			problems = append(problems, fmt.Errorf("%w: %s is missing", ErrAltered, f.Name))
		case int64(len(data)) != f.Size || hex.EncodeToString(sum[:]) != f.SHA256:
			problems = append(problems, fmt.Errorf("%w: %s was changed (SHA-256 %s, signed %s)", ErrAltered, f.Name, hex.EncodeToString(sum[:]), f.SHA256))
		}
	}
	for name := range contents {
		if !listed[name] {
			problems = append(problems, fmt.Errorf("%w: %s is not in the manifest", ErrAltered, name))
		}
	}
	sum := sha256.Sum256(manifest)
	return Verified{Manifest: m, ManifestSHA256: hex.EncodeToString(sum[:])}, errors.Join(problems...)
}

func readEntry(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(rc, maxEntry+1))
	if err != nil {
		return nil, err
	}
	if n > maxEntry {
		return nil, fmt.Errorf("larger than %d MiB", maxEntry>>20)
	}
	return buf.Bytes(), nil
}

// ChainProblems checks that verified bundles form, per customer, an unbroken series
// of months: each month's manifest names the previous month's manifest hash and
// follows it directly. It returns one sentence per break.
func ChainProblems(bundles []Verified) []string {
	byCustomer := map[string][]Verified{}
	for _, b := range bundles {
		byCustomer[b.Manifest.Customer] = append(byCustomer[b.Manifest.Customer], b)
	}
	var out []string
	for customer, list := range byCustomer {
		slices.SortFunc(list, func(a, b Verified) int { return strings.Compare(a.Manifest.Month, b.Manifest.Month) })
		for i := 1; i < len(list); i++ {
			prev, cur := list[i-1], list[i]
			switch {
			case cur.Manifest.Month == prev.Manifest.Month:
				out = append(out, fmt.Sprintf("%s %s: two bundles of the same month", customer, cur.Manifest.Month))
			case cur.Manifest.Previous != prev.ManifestSHA256:
				missing := cur.Manifest.PreviousMonth
				if missing == "" || missing == prev.Manifest.Month {
					out = append(out, fmt.Sprintf("%s %s: the previous month's manifest it names is not %s's (altered or replaced after %s was made)",
						customer, cur.Manifest.Month, prev.Manifest.Month, cur.Manifest.Month))
					continue
				}
				out = append(out, fmt.Sprintf("%s %s: follows %s, which is missing here (between %s and %s)",
					customer, cur.Manifest.Month, missing, prev.Manifest.Month, cur.Manifest.Month))
			}
		}
	}
	slices.Sort(out)
	return out
}
