package mapping

import (
	"context"
	"fmt"
	"strconv"

	"github.com/custos-msp/custos/store"
)

// FindTarget returns the id of the canonical row of kind that name designates: a
// customer or technician by name (as normalised for matching) or by id, a device by
// id or by host name when only one device has it.
func FindTarget(ctx context.Context, st *store.Store, kind, name string) (uint, error) {
	if id, err := strconv.ParseUint(name, 10, 0); err == nil {
		return uint(id), nil
	}
	normalise := map[string]func(string) string{
		store.LinkCustomer: NormaliseName, store.LinkTechnician: NormalisePerson, store.LinkDevice: NormaliseHost,
	}[kind]
	if normalise == nil {
		return 0, fmt.Errorf("mapping: %q is not a link kind (customer, technician or device)", kind)
	}
	ids, err := st.CanonicalIDs(ctx, kind, normalise(name))
	switch {
	case err != nil:
		return 0, fmt.Errorf("mapping: %w", err)
	case len(ids) == 0:
		return 0, fmt.Errorf("mapping: no %s is called %q: %w", kind, name, store.ErrNotFound)
	case len(ids) > 1:
		return 0, fmt.Errorf("mapping: %d %ss are called %q; give the id instead", len(ids), kind, name)
	}
	return ids[0], nil
}
