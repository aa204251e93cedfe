package register_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/custos-msp/custos/register"
	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/store/storetest"
)

// backupEntry is a valid verified backup of Contoso's PC-042, changed by edit.
func backupEntry(edit func(*register.BackupEntry)) register.BackupEntry {
	e := register.BackupEntry{
		Customer: "Contoso Ltd", Device: "PC-042", What: "user profiles", TakenAt: at(8), VerifiedAt: at(9),
		VerifiedBy: "Alice Smith", Evidence: "Veeam job 881", RecordedBy: "alice",
	}
	if edit != nil {
		edit(&e)
	}
	return e
}

func TestAddBackup_RefusesWhatIsWrongAndNamesTheField(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(*register.BackupEntry)
		fields []string
	}{
		{"valid", nil, nil},
		{"any device", func(e *register.BackupEntry) { e.Device = "any" }, nil},
		{"unknown customer", func(e *register.BackupEntry) { e.Customer = "Contso" }, []string{register.FieldCustomer}},
		{"another customer's device", func(e *register.BackupEntry) { e.Device = "FAB-PC1" }, []string{register.FieldDevice}},
		{"nothing said", func(e *register.BackupEntry) { e.What, e.VerifiedBy, e.Evidence = "", " ", "" },
			[]string{register.FieldWhat, register.FieldVerifiedBy, register.FieldEvidence}},
		{"verified before taken", func(e *register.BackupEntry) { e.VerifiedAt = at(7) }, []string{register.FieldVerifiedAt}},
		{"taken in the future", func(e *register.BackupEntry) { e.TakenAt, e.VerifiedAt = at(13), at(14) },
			[]string{register.FieldTakenAt, register.FieldVerifiedAt}},
	}
	st := storetest.Open(t, "sqlite", nil)
	seed(t, st)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := register.AddBackup(ctx, st, backupEntry(tc.edit), now)
			var invalid *register.InvalidError
			switch {
			case tc.fields == nil && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.fields == nil && b.ID == 0:
				t.Fatal("not stored")
			case tc.fields != nil && !errors.As(err, &invalid):
				t.Fatalf("error %v, want an *InvalidError naming %v", err, tc.fields)
			case tc.fields != nil:
				var got []string
				for _, p := range invalid.Problems {
					got = append(got, p.Field)
				}
				if strings.Join(got, ",") != strings.Join(tc.fields, ",") || !strings.HasPrefix(err.Error(), "register: invalid verified backup: ") {
					t.Errorf("%v: problems %v, want fields %v", err, invalid.Problems, tc.fields)
				}
			}
		})
	}
}

func TestWithdrawBackup_KeepsTheRowAndListsItOnlyWithAll(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		seed(t, st)
		b, err := register.AddBackup(ctx, st, backupEntry(nil), now)
		if err != nil {
			t.Fatal(err)
		}
		if err := register.WithdrawBackup(ctx, st, b.ID, "bob", "", now); err == nil {
			t.Error("withdrawn without a reason")
		}
		if err := register.WithdrawBackup(ctx, st, b.ID, "bob", "restore test failed", now); err != nil {
			t.Fatal(err)
		}
		if err := register.WithdrawBackup(ctx, st, b.ID, "bob", "again", now); !errors.Is(err, register.ErrWithdrawn) {
			t.Errorf("second withdrawal: %v, want ErrWithdrawn", err)
		}
		if err := register.WithdrawBackup(ctx, st, b.ID+99, "bob", "x", now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown id: %v, want ErrNotFound", err)
		}
		active, err := register.Backups(ctx, st, "Contoso Ltd", false)
		if err != nil || len(active) != 0 {
			t.Errorf("active backups = %v, %v; want none", active, err)
		}
		all, err := register.Backups(ctx, st, "", true)
		if err != nil || len(all) != 1 || all[0].WithdrawReason != "restore test failed" || all[0].DeviceName != "PC-042" || all[0].CustomerName != "Contoso Ltd" {
			t.Errorf("all backups = %+v, %v; want the withdrawn one with its names and reason", all, err)
		}
	})
}
