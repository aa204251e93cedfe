package main

import (
	"testing"

	"github.com/custos-msp/custos/demo"
)

func TestOnline_Explore(t *testing.T) {
	env, err := demo.Start(t.TempDir(), clock())
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	out, err := run(t, "--config", env.ConfigPath, "check-config", "--online")
	t.Logf("err %v\n%s", err, out)
}
