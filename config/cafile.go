package config

import (
	"fmt"
	"os"
)

// caFiles lists every connector's ca_file (and the console's sign-in host's) by its key, for validation and for
// resolving relative paths against the config file.
func (c *Config) caFiles() map[string]*string {
	cs := &c.Connectors
	return map[string]*string{
		"connectors.itglue.ca_file":        &cs.ITGlue.CAFile,
		"connectors.screenconnect.ca_file": &cs.ScreenConnect.CAFile,
		"connectors.dattormm.ca_file":      &cs.DattoRMM.CAFile,
		"connectors.autotask.ca_file":      &cs.Autotask.CAFile,
		"connectors.m365.ca_file":          &cs.M365.CAFile,
		"connectors.o365audit.ca_file":     &cs.O365Audit.CAFile,
		"web.entra.ca_file":                &c.Web.Entra.CAFile,
	}
}

// validateCAFiles checks that every ca_file set can be read.
func (c *Config) validateCAFiles(v *validator) {
	for key, path := range c.caFiles() {
		if *path != "" {
			_, err := os.ReadFile(c.Resolve(*path))
			v.check(err == nil, key, fmt.Sprintf("%q cannot be read", *path))
		}
	}
}

// resolveCAFiles makes every relative ca_file relative to the config file.
func (c *Config) resolveCAFiles() {
	for _, path := range c.caFiles() {
		*path = c.Resolve(*path)
	}
}
