// Package registry builds the enabled connectors from the configuration: one line per
// vendor, in a fixed order, with no init() side effects.
package registry

import (
	"fmt"

	"github.com/custos-msp/custos/config"
	"github.com/custos-msp/custos/connectors"
	"github.com/custos-msp/custos/connectors/itglue"
)

// Build loads each enabled connector's secrets and returns the connectors.
func Build(cfg config.Connectors, deps connectors.Deps) ([]connectors.Connector, error) {
	var out []connectors.Connector
	if c := cfg.ITGlue; c.Enabled {
		key, err := c.APIKey.Load()
		if err != nil {
			return nil, fmt.Errorf("connectors.itglue.api_key: %w", err)
		}
		out = append(out, itglue.New(c, key, deps))
	}
	return out, nil
}
