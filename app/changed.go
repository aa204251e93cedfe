package app

import (
	"slices"
	stdsync "sync"

	"github.com/custos-msp/custos/reconcile"
)

// changed collects the customers whose records this App's commands changed since it
// last reconciled them, so that the reconcile after a command re-checks those
// customers' access events only. A change that can touch any customer (a technician
// link, an import of many rows) widens it to every customer.
type changed struct {
	mu        stdsync.Mutex
	every     bool
	customers []uint
}

// customer notes a change to one customer; nil (no customer) means any.
func (c *changed) customer(id *uint) {
	if id == nil {
		c.everyone()
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !slices.Contains(c.customers, *id) {
		c.customers = append(c.customers, *id)
	}
}

// everyone notes a change that can touch every customer.
func (c *changed) everyone() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.every = true
}

// take returns the scope the noted changes need re-checked, and forgets them. With
// nothing noted it is every customer: a reconcile asked for without a known change
// checks everything.
func (c *changed) take() reconcile.Scope {
	c.mu.Lock()
	defer c.mu.Unlock()
	scope := reconcile.Scope{Customers: c.customers}
	if c.every || len(c.customers) == 0 {
		scope = reconcile.Scope{}
	}
	c.every, c.customers = false, nil
	return scope
}
