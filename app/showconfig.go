package app

import (
	"fmt"
	"io"

	"github.com/BurntSushi/toml"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/reconcile"
)

// WriteConfig writes the effective configuration cfg as TOML, the rules' tables
// included: with defaults, every key at the value Custos uses (the defaults merged
// with the file) in the order of the sections; without, only the keys whose value is
// not the default. A secret is written as where it is kept ({ env = "NAME" } or
// { file = "/path" }): a configuration holds no secret's value to write.
func WriteConfig(w io.Writer, cfg *config.Config, defaults bool) error {
	rules, err := ruleTables(cfg)
	if err != nil {
		return err
	}
	enc := toml.NewEncoder(w)
	if defaults {
		if err := enc.Encode(cfg); err != nil {
			return fmt.Errorf("writing the configuration: %w", err)
		}
		if err := enc.Encode(map[string]any{"rules": rules}); err != nil {
			return fmt.Errorf("writing the rules' settings: %w", err)
		}
		return nil
	}
	base := config.Default()
	baseRules, err := ruleTables(&base)
	if err != nil {
		return err
	}
	doc := config.Diff(cfg, &base)
	changed := map[string]any{}
	for key, settings := range rules {
		if d := config.Diff(settings, baseRules[key]); len(d) > 0 {
			changed[key] = d
		}
	}
	if len(changed) > 0 {
		doc["rules"] = changed
	}
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("writing the configuration: %w", err)
	}
	return nil
}

// ruleTables is every rule's settings as cfg configures them, by table key.
func ruleTables(cfg *config.Config) (map[string]reconcile.Settings, error) {
	rules, problems := reconcile.Configure(cfg)
	if len(problems) > 0 {
		return nil, fmt.Errorf("config: rules: %v", problems)
	}
	return rules.Tables(), nil
}
