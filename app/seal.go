package app

import (
	"context"

	"github.com/custos-msp/custos/store"
)

// Reseal seals every sealed value an earlier key sealed again with seal.key, so that
// the keys in seal.previous_keys open nothing any more and can be removed.
func (a *App) Reseal(ctx context.Context) (store.Resealed, error) {
	return a.Store.Reseal(ctx, 0)
}
