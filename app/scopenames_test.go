package app_test

import (
	"context"
	"testing"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

func TestScopeNames_CustomerElseScopeNameElseID(t *testing.T) {
	ctx := context.Background()
	for _, driver := range []string{"sqlite", "postgres"} {
		t.Run(driver, func(t *testing.T) {
			a := openDemoApp(t, ctx, demoConfig(t, driver))
			defer a.Close()
			c := &store.Customer{Name: "Contoso Ltd", Key: "contoso ltd"}
			db := storetest.DB(ctx, a.Store)
			if err := db.Create(c).Error; err != nil {
				t.Fatal(err)
			}
			if err := db.Create(&store.Link{Source: "itglue", Kind: store.LinkCustomer, SourceID: "2519664", TargetID: c.ID, Method: "manual"}).Error; err != nil {
				t.Fatal(err)
			}
			name, err := a.ScopeNames(ctx)
			if err != nil {
				t.Fatal(err)
			}
			tests := []struct{ connector, scope, scopeName, want string }{
				{"itglue", "2519664", "Contoso (old name)", "Contoso Ltd"},
				{"m365", "2519664", "Contoso tenant", "Contoso tenant"}, // another connector's scope of that id
				{"itglue", "2519671", "", "2519671"},
			}
			for _, tt := range tests {
				if got := name(tt.connector, tt.scope, tt.scopeName); got != tt.want {
					t.Errorf("name(%s, %s, %q) = %q, want %q", tt.connector, tt.scope, tt.scopeName, got, tt.want)
				}
			}
		})
	}
}
