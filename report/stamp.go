package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// HashLabel precedes the document hash in the footer of every rendering, so that
// the hash can be found in the file's bytes: the HTML is text, and the PDF writes
// its pages uncompressed and this line in a standard font (Courier), one byte a
// character.
const HashLabel = "Document SHA-256 "

// hashPlaceholder is the document hash as rendered, before Stamp fills it in.
var hashPlaceholder = strings.Repeat("0", 2*sha256.Size)

var printedHash = regexp.MustCompile(HashLabel + `([0-9a-f]{64})`)

// Stamp fills in the document hash of a rendering: the SHA-256 of the rendering as
// rendered, with the placeholder (64 zeros) after each HashLabel, replaces every
// placeholder. A hash cannot be part of the bytes it hashes; this one covers every
// byte of the file but its own 64 characters, and anyone can check it without
// Custos: replace every occurrence of the printed value by 64 zeros and hash the
// result (DocumentHash).
func Stamp(doc []byte) (stamped []byte, sum string, err error) {
	placeholder := []byte(HashLabel + hashPlaceholder)
	if !bytes.Contains(doc, placeholder) {
		return nil, "", fmt.Errorf("report: the rendering prints no %q placeholder to stamp", HashLabel)
	}
	h := sha256.Sum256(doc)
	sum = hex.EncodeToString(h[:])
	return bytes.ReplaceAll(doc, placeholder, []byte(HashLabel+sum)), sum, nil
}

// DocumentHash reads the document hash a file prints (the last one after HashLabel;
// "" when it prints none) and checks it as Stamp made it: ok is whether the file,
// with every occurrence of the printed value replaced by 64 zeros, hashes to it.
func DocumentHash(data []byte) (printed string, ok bool) {
	ms := printedHash.FindAllSubmatch(data, -1)
	if len(ms) == 0 {
		return "", false
	}
	printed = string(ms[len(ms)-1][1])
	h := sha256.Sum256(bytes.ReplaceAll(data, []byte(printed), []byte(hashPlaceholder)))
	return printed, hex.EncodeToString(h[:]) == printed
}
