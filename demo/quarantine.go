package demo

import (
	"maps"

	dattofake "github.com/custos-msp/custos/fixtures/dattormm"
)

// PlantedQuarantine says, for the demo's output, what plantUndecodableDevice plants.
const PlantedQuarantine = "planted: a Datto RMM device whose lastSeen is a local date string, which does not decode and is quarantined (RECORDS-QUARANTINED)"

// plantUndecodableDevice adds to the Datto RMM account a copy of its first device
// under a new id, whose lastSeen is a date as a person writes it rather than epoch
// milliseconds: the connector quarantines it, and the snapshot marks no device
// removed because of it.
func plantUndecodableDevice(ds *dattofake.Dataset) {
	if len(ds.Devices) == 0 {
		return
	}
	bad := maps.Clone(ds.Devices[0])
	bad["id"] = 2284199
	bad["uid"] = "7c1e9a40-2b6d-4f3e-8a15-c0d2e4f60199"
	bad["hostname"] = "CON-LAPTOP-07"
	bad["lastSeen"] = "21/11/2026 09:14"
	delete(bad, "udf")
	ds.Devices = append(ds.Devices, bad)
}
