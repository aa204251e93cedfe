// Package registry builds the enabled connectors from the configuration: one line per
// vendor, in a fixed order, with no init() side effects.
package registry

import (
	"errors"
	"fmt"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/autotask"
	"github.com/custos-msp/custos/connectors/dattormm"
	"github.com/custos-msp/custos/connectors/itglue"
	"github.com/custos-msp/custos/connectors/m365"
	"github.com/custos-msp/custos/connectors/o365audit"
	"github.com/custos-msp/custos/connectors/screenconnect"
	"github.com/custos-msp/custos/secret"
)

// Names returns the name of every connector Custos has, enabled or not, in Build's
// order: the sources that records and links name.
func Names() []string {
	return []string{itglue.Name, screenconnect.Name, dattormm.Name, autotask.Name, m365.Name, o365audit.Name}
}

// Build loads each enabled connector's secrets and returns the connectors.
func Build(cfg config.Connectors, deps connectors.Deps) ([]connectors.Connector, error) {
	var out []connectors.Connector
	if c := cfg.ITGlue; c.Enabled {
		s, err := load(named{"connectors.itglue.api_key", c.APIKey})
		if err != nil {
			return nil, err
		}
		out = append(out, itglue.New(c, s[0], deps))
	}
	if c := cfg.ScreenConnect; c.Enabled {
		var s []secret.Value
		if c.SessionDB == "" {
			var err error
			if s, err = load(named{"connectors.screenconnect.username", c.Username}, named{"connectors.screenconnect.password", c.Password}); err != nil {
				return nil, err
			}
		} else {
			s = make([]secret.Value, 2)
		}
		out = append(out, screenconnect.New(c, s[0], s[1], deps))
	}
	if c := cfg.DattoRMM; c.Enabled {
		s, err := load(named{"connectors.dattormm.api_key", c.APIKey}, named{"connectors.dattormm.api_secret", c.APISecret})
		if err != nil {
			return nil, err
		}
		out = append(out, dattormm.New(c, s[0], s[1], deps))
	}
	if c := cfg.Autotask; c.Enabled {
		s, err := load(named{"connectors.autotask.username", c.Username}, named{"connectors.autotask.secret", c.Secret},
			named{"connectors.autotask.integration_code", c.IntegrationCode})
		if err != nil {
			return nil, err
		}
		out = append(out, autotask.New(c, s[0], s[1], s[2], deps))
	}
	if c := cfg.M365; c.Enabled {
		conn, err := m365.New(c, deps, m365.Options{})
		if err != nil {
			return nil, fmt.Errorf("connectors.m365: %w", err)
		}
		out = append(out, conn)
	}
	if c := cfg.O365Audit; c.Enabled {
		// It signs in with the app of [connectors.m365] and reads the tenants that
		// connector lists.
		var tenants o365audit.TenantLister
		for _, conn := range out {
			if m, ok := conn.(*m365.Connector); ok {
				tenants = m
			}
		}
		if tenants == nil {
			return nil, errors.New("connectors.o365audit: needs connectors.m365 enabled: it signs in with that app and reads its tenants")
		}
		conn, err := o365audit.FromConfig(c, cfg.M365, tenants, deps)
		if err != nil {
			return nil, fmt.Errorf("connectors.o365audit: %w", err)
		}
		out = append(out, conn)
	}
	return out, nil
}

// named is a secret reference with its configuration key, for errors.
type named struct {
	key string
	ref secret.Ref
}

// load loads secrets in order; an error names the key of the one that failed.
func load(refs ...named) ([]secret.Value, error) {
	out := make([]secret.Value, len(refs))
	for i, r := range refs {
		v, err := r.ref.Load()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.key, err)
		}
		out[i] = v
	}
	return out, nil
}
