package auth

import "testing"

func TestRole_AllowsItselfAndTheRolesBelow(t *testing.T) {
	for _, have := range Roles {
		for _, need := range Roles {
			if got, want := have.Allows(need), have >= need; got != want {
				t.Errorf("%s.Allows(%s) = %v, want %v", have, need, got, want)
			}
		}
	}
	if Role(0).Allows(Viewer) || Role(9).Allows(Viewer) {
		t.Error("a role that is none of the four allows something")
	}
}

func TestParseRole_ReadsEveryNameAndRefusesOthers(t *testing.T) {
	for _, r := range Roles {
		got, err := ParseRole(" " + r.String() + " ")
		if err != nil || got != r {
			t.Errorf("ParseRole(%q) = %v, %v", r.String(), got, err)
		}
	}
	if _, err := ParseRole("owner"); err == nil {
		t.Error("ParseRole(owner) succeeded")
	}
}
