package store

import (
	"reflect"
	"slices"
	"sync"
	"testing"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// parseModel returns the gorm schema of a model, as migrations and queries see it.
func parseModel(t *testing.T, model any) *schema.Schema {
	t.Helper()
	s, err := schema.Parse(model, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		t.Fatalf("parsing %T: %v", model, err)
	}
	return s
}

func TestTables_OneDescriptionPerModel(t *testing.T) {
	described := map[reflect.Type]int{}
	for _, tb := range tables {
		described[reflect.TypeOf(tb.Model)]++
	}
	for _, m := range models() {
		if n := described[reflect.TypeOf(m)]; n != 1 {
			t.Errorf("%T has %d descriptions, want 1", m, n)
		}
	}
	for _, tb := range tables {
		if !slices.ContainsFunc(models(), func(m any) bool { return reflect.TypeOf(m) == reflect.TypeOf(tb.Model) }) {
			t.Errorf("table %s describes %T, which models() does not list", tb.Name, tb.Model)
		}
	}
}

func TestTables_DescriptionsNameRealTablesAndColumns(t *testing.T) {
	byName := map[string]*schema.Schema{}
	for _, tb := range tables {
		byName[tb.Name] = parseModel(t, tb.Model)
	}
	for _, tb := range tables {
		s := byName[tb.Name]
		if s.Table != tb.Name {
			t.Errorf("%T is described as %q, but its table is %q", tb.Model, tb.Name, s.Table)
		}
		hasColumn := func(table *schema.Schema, col, what string) {
			if _, ok := table.FieldsByDBName[col]; !ok {
				t.Errorf("%s: %s %q is no column of %s", tb.Name, what, col, table.Table)
			}
		}
		for _, r := range tb.Resolved {
			hasColumn(s, r.Column, "resolved column")
			hasColumn(s, r.Ref, "reference column")
			if _, err := canonicalTable(r.Kind); err != nil {
				t.Errorf("%s.%s: %v", tb.Name, r.Column, err)
			}
		}
		for _, c := range tb.Local {
			hasColumn(s, c, "local column")
		}
		if tb.MatchKey != "" {
			hasColumn(s, tb.MatchKey, "match key")
		}
		if tb.Parent != "" {
			if byName[tb.Parent] == nil {
				t.Errorf("%s: parent %q is not described", tb.Name, tb.Parent)
			}
			hasColumn(s, tb.ParentColumn, "parent column")
		}
		if (tb.Pull == Snapshot || tb.Pull == Incremental || tb.Pull == Quarantine) != (tb.Record != nil && tb.write != nil) {
			t.Errorf("%s: pulled as %d, record %v, writer %t: a pulled table needs a record type and a writer, and only it",
				tb.Name, tb.Pull, tb.Record, tb.write != nil)
		}
		if tb.Pull == Snapshot {
			hasColumn(s, "removed_at", "snapshot removal")
		}
	}
}

func TestTables_UpsertKeepsResolvedAndLocalColumns(t *testing.T) {
	tests := []struct {
		table string
		want  []string
	}{
		{"organizations", []string{"customer_id"}},
		{"configurations", []string{"customer_id", "device_id"}},
		{"access_events", []string{"covered_by", "backup_id", "decision", "authorised_late_by", "late_backup_id", "customer_id", "technician_id", "device_id"}},
		{"authorisations", []string{"revoked_at", "revoked_by", "revoke_reason", "customer_id", "technician_id", "device_id"}},
		{"user_accounts", []string{"technician_id"}},
		{"customers", nil},
	}
	for _, tt := range tests {
		i := slices.IndexFunc(tables, func(tb Table) bool { return tb.Name == tt.table })
		if got := tables[i].upsertExcluded(); !slices.Equal(got, tt.want) {
			t.Errorf("%s: upsert keeps %v, want %v", tt.table, got, tt.want)
		}
	}
}

func TestTables_CanonicalTablePerLinkKind(t *testing.T) {
	for _, kind := range []string{LinkCustomer, LinkTechnician, LinkDevice} {
		if _, err := canonicalTable(kind); err != nil {
			t.Error(err)
		}
	}
	if _, err := canonicalTable("organization"); err == nil {
		t.Error("an unknown link kind has a canonical table")
	}
}

func TestTableOf_PanicsForANonModel(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("TableOf[gorm.DB] did not panic")
		}
	}()
	TableOf[gorm.DB]()
}
