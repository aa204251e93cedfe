package mapping

import (
	"context"
	"fmt"
	"strconv"

	"gorm.io/gorm"

	"github.com/custos-msp/custos/store"
)

// FindTarget returns the id of the canonical row of kind that name designates: a
// customer or technician by name (as normalised for matching) or by id, a device by
// id or by host name when only one device has it.
func FindTarget(ctx context.Context, st *store.Store, kind, name string) (uint, error) {
	if id, err := strconv.ParseUint(name, 10, 0); err == nil {
		return uint(id), nil
	}
	var (
		ids []uint
		err error
	)
	db := st.DB(ctx)
	switch kind {
	case store.LinkCustomer:
		err = db.Model(&store.Customer{}).Where("key = ?", NormaliseName(name)).Pluck("id", &ids).Error
	case store.LinkTechnician:
		err = db.Model(&store.Technician{}).Where("key = ?", NormalisePerson(name)).Pluck("id", &ids).Error
	case store.LinkDevice:
		err = db.Model(&store.Device{}).Where("host_key = ?", NormaliseHost(name)).Pluck("id", &ids).Error
	default:
		return 0, fmt.Errorf("mapping: %q is not a link kind (customer, technician or device)", kind)
	}
	switch {
	case err != nil:
		return 0, fmt.Errorf("mapping: finding %s %q: %w", kind, name, err)
	case len(ids) == 0:
		return 0, fmt.Errorf("mapping: no %s is called %q: %w", kind, name, gorm.ErrRecordNotFound)
	case len(ids) > 1:
		return 0, fmt.Errorf("mapping: %d %ss are called %q; give the id instead", len(ids), kind, name)
	}
	return ids[0], nil
}
