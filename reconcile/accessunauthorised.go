package reconcile

import "github.com/custos-msp/custos/vocab"

// RuleAccessUnauthorised is the id of ACCESS-UNAUTHORISED.
const RuleAccessUnauthorised = "ACCESS-UNAUTHORISED"

var accessUnauthorised = Spec{
	Key: "access_unauthorised", Severity: vocab.High,
	Description: "a remote session, RMM remote takeover or partner admin action has no matching authorisation or standing permission",
	New:         func() Settings { return &AccessUnauthorised{} },
}

// AccessUnauthorised fires for access to a customer's system that no authorisation
// covered; the access check (AccessCheck) finds it.
type AccessUnauthorised struct {
	Base
}

// ID implements Evaluator.
func (AccessUnauthorised) ID() string { return RuleAccessUnauthorised }

func (r *AccessUnauthorised) addTo(c *AccessCheck) { r.enable(c, r.ID()) }
