package mapping

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/custos-msp/custos/store"
)

// deviceIndex finds canonical devices by serial number and by customer and host name.
type deviceIndex struct {
	bySerial map[string]*store.Device
	byHost   map[hostKey]*store.Device
}

type hostKey struct {
	customer uint
	host     string
}

func (ix *deviceIndex) add(d *store.Device) {
	if d.Serial != "" {
		ix.bySerial[d.Serial] = d
	}
	if d.HostKey != "" && d.CustomerID != nil {
		ix.byHost[hostKey{*d.CustomerID, d.HostKey}] = d
	}
}

// resolveDevices links every machine that IT Glue, an RMM or a remote-access tool
// names to one canonical device, by serial number first and then by host name within
// the same customer, creating the device when none matches. The new devices and the
// links are stored many to a statement once every machine is matched. It returns how
// many links it made; Resolve copies their ids onto the records.
func resolveDevices(ids *store.Identities) (int, error) {
	machines, err := ids.UnlinkedMachines()
	if err != nil {
		return 0, fmt.Errorf("mapping: %w", err)
	}
	if len(machines) == 0 {
		// Every device is read only when a machine needs matching: a run with
		// nothing new costs the search for unlinked machines alone.
		return 0, nil
	}
	devices, err := ids.Devices()
	if err != nil {
		return 0, fmt.Errorf("mapping: %w", err)
	}
	ix := &deviceIndex{bySerial: map[string]*store.Device{}, byHost: map[hostKey]*store.Device{}}
	for _, d := range devices {
		ix.add(d)
	}
	var made, completed, targets []*store.Device
	var links []*store.Link
	for _, m := range machines {
		d, method, change := ix.match(m)
		switch change {
		case deviceMade:
			made = append(made, d)
		case deviceCompleted:
			if d.ID != 0 && !slices.Contains(completed, d) {
				completed = append(completed, d)
			}
		}
		if d != nil {
			links = append(links, &store.Link{Source: m.Source, Kind: store.LinkDevice, SourceID: m.SourceID, Method: method})
			targets = append(targets, d)
		}
	}
	if err := ids.CreateDevices(made); err != nil {
		return 0, fmt.Errorf("mapping: %w", err)
	}
	for _, d := range completed {
		if err := ids.SaveDevice(d); err != nil {
			return 0, fmt.Errorf("mapping: completing device %d: %w", d.ID, err)
		}
	}
	for i, d := range targets {
		links[i].TargetID = d.ID // a new device has its id now
	}
	if err := ids.CreateLinks(links); err != nil {
		return 0, fmt.Errorf("mapping: %w", err)
	}
	return len(links), nil
}

// deviceChange is what matching a machine did to its device.
type deviceChange int

const (
	deviceFound deviceChange = iota
	deviceMade
	deviceCompleted
)

// match finds the device of machine m, or makes one (not yet stored) when none
// matches, and adds what m says of it to the index; a nil device when m names neither
// a host nor a serial number. A found device that m gives a serial number, host name
// or customer it lacked is completed. The method says how it matched.
func (ix *deviceIndex) match(m store.Machine) (*store.Device, string, deviceChange) {
	serial, host := NormaliseSerial(m.Serial), NormaliseHost(m.Hostname)
	if serial == "" && host == "" {
		return nil, "", deviceFound
	}
	method, change := MethodSerial, deviceFound
	d := ix.bySerial[serial]
	if d == nil && m.CustomerID != nil {
		d, method = ix.byHost[hostKey{*m.CustomerID, host}], MethodHost
	}
	switch {
	case d == nil:
		d = &store.Device{CustomerID: m.CustomerID, Name: m.Hostname, HostKey: host, Serial: serial}
		method, change = MethodCreated, deviceMade
	case (d.Serial == "" && serial != "") || (d.CustomerID == nil && m.CustomerID != nil) || (d.HostKey == "" && host != ""):
		d.Serial = cmp.Or(d.Serial, serial)
		d.HostKey = cmp.Or(d.HostKey, host)
		if d.CustomerID == nil {
			d.CustomerID = m.CustomerID
		}
		change = deviceCompleted
	}
	ix.add(d)
	return d, method, change
}

// placeholderSerials are values BIOSes and tools put where there is no serial number.
var placeholderSerials = map[string]bool{
	"0": true, "NONE": true, "NA": true, "DEFAULTSTRING": true, "TOBEFILLEDBYOEM": true,
	"SYSTEMSERIALNUMBER": true, "123456789": true, "0123456789": true, "CHASSISSERIALNUMBER": true,
}

// NormaliseSerial reduces a serial number to the key matching compares: upper case,
// letters and digits only; placeholders such as "To be filled by O.E.M." and runs of
// one repeated character become "".
func NormaliseSerial(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToUpper(r)
		}
		return -1
	}, s)
	if placeholderSerials[s] || strings.Trim(s, s[:min(1, len(s))]) == "" {
		return ""
	}
	return s
}

// NormaliseHost reduces a host name to the key matching compares: the first label
// (no domain), lower case, letters and digits only, so "CON-PC-001.contoso.local",
// "con-pc-001" and "CON_PC_001" match.
func NormaliseHost(h string) string {
	h, _, _ = strings.Cut(strings.TrimSpace(h), ".")
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, h)
}
