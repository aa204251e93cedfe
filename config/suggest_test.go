package config_test

import (
	"testing"

	"github.com/custos-msp/custos/config"
)

func TestDidYouMean_NamesTheNearestKnownWordOrNone(t *testing.T) {
	sections := []string{"log", "store", "seal", "sync", "connectors", "customers", "daemon", "schedules", "retention", "notify", "report"}
	platforms := []string{"pinotage", "merlot", "concord", "vidal", "zinfandel", "syrah"}
	tests := []struct {
		word  string
		known []string
		want  string
	}{
		{"conectors", sections, `; did you mean "connectors"?`},
		{"shedules", sections, `; did you mean "schedules"?`},
		{"Notify", sections, `; did you mean "notify"?`},
		{"levle", []string{"level", "format"}, `; did you mean "level"?`}, // one swap
		{"merlott", platforms, `; did you mean "merlot"?`},
		{"zinfadel", platforms, `; did you mean "zinfandel"?`},
		{"webhooks", sections, ""},
		{"db", []string{"dsn", "driver", "path"}, ""},
		{"anything", nil, ""},
	}
	for _, tt := range tests {
		if got := config.DidYouMean(tt.word, tt.known); got != tt.want {
			t.Errorf("DidYouMean(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}
