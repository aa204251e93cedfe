// Package preflight checks what a configuration names outside its file, before
// Custos needs it: that every secret the enabled parts will load resolves (its
// environment variable is set, its file exists, can be read and is not open to every
// user) and has the form its use needs (a sealing key, a Teams Workflows address, an
// http(s) address). It connects to nothing, and no problem shows a secret's value.
package preflight

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/evidence"
	"github.com/custos-msp/custos/notify/teams"
	"github.com/custos-msp/custos/seal"
	"github.com/custos-msp/custos/secret"
)

// Check is a config.Check: it loads every secret cfg.NeededSecrets lists and returns a
// problem under the secret's key for each that does not load or has the wrong form.
func Check(cfg *config.Config) []config.Problem {
	var problems []config.Problem
	for _, s := range cfg.NeededSecrets() {
		v, err := s.Ref.Load()
		if err == nil {
			if err = checkForm(s.Use, v); err != nil {
				err = fmt.Errorf("%s: %w", s.Ref, err)
			}
		}
		if err != nil {
			problems = append(problems, config.Problem{Key: s.Key, Reason: err.Error()})
		}
	}
	return problems
}

// errNotHTTP is a webhook address that is not an absolute http(s) URL.
var errNotHTTP = errors.New("the URL is not an absolute http(s) URL")

// checkForm checks a loaded secret's value against its use. Its errors never hold
// the value.
func checkForm(use config.SecretUse, v secret.Value) error {
	switch use {
	case config.SealingKey:
		_, err := seal.ParseKey([]byte(v.Reveal()))
		return err
	case config.SigningKey:
		_, err := evidence.ParsePrivateKey([]byte(v.Reveal()))
		return err
	case config.TeamsURL:
		return teams.CheckURL(v)
	case config.WebhookURL:
		u, err := url.Parse(v.Reveal())
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errNotHTTP
		}
	}
	return nil
}
