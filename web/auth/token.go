package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// TokenPrefix starts every API token, so that secret scanners (and people) can tell
// one in a log or a repository: custos_ followed by 43 characters of base64url
// (32 random bytes). TokenPattern matches one.
const TokenPrefix = "custos_"

// TokenPattern matches an API token, for secret scanners.
var TokenPattern = regexp.MustCompile(`custos_[A-Za-z0-9_-]{43}`)

// randomValue returns n random bytes as base64url without padding.
func randomValue(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("reading random bytes: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// NewToken makes an API token and returns it with its hash, which is all the store
// keeps; the token is shown once.
func NewToken() (token, hash string, err error) {
	v, err := randomValue(32)
	if err != nil {
		return "", "", fmt.Errorf("auth: making an API token: %w", err)
	}
	token = TokenPrefix + v
	return token, HashSecret(token), nil
}

// HashSecret is how the store keys a token, a session cookie or a sign-in link: the
// hex SHA-256 of the value. A lookup by it compares hashes, never the secret, so its
// timing tells nothing about the secret.
func HashSecret(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

// errNotAToken is what a bearer value that is not shaped like an API token gives.
var errNotAToken = errors.New("the bearer token is not a Custos API token (custos_…)")

// checkTokenShape refuses a bearer value that cannot be a token before the store is asked.
func checkTokenShape(v string) error {
	if !strings.HasPrefix(v, TokenPrefix) || !TokenPattern.MatchString(v) || len(v) != len(TokenPrefix)+43 {
		return errNotAToken
	}
	return nil
}
