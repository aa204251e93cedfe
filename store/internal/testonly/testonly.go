// Package testonly holds the key to a store's gorm handle. Being internal to store,
// it can be named only by store and storetest, so code outside them cannot reach the
// handle: production code asks the store's methods, and tests check what is stored
// through storetest.DB.
package testonly

// Key is what Store.DB asks for.
type Key struct{}
