package mapping

import (
	"cmp"
	"fmt"
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
// the same customer, creating the device when none matches; then it copies the
// device ids onto the records. It returns how many links it made.
func resolveDevices(ids *store.Identities) (int, error) {
	machines, err := ids.UnlinkedMachines()
	if err != nil {
		return 0, fmt.Errorf("mapping: %w", err)
	}
	ix := &deviceIndex{bySerial: map[string]*store.Device{}, byHost: map[hostKey]*store.Device{}}
	if len(machines) > 0 {
		// Every device is read only when a machine needs matching: a run with
		// nothing new costs the search for unlinked machines alone.
		devices, err := ids.Devices()
		if err != nil {
			return 0, fmt.Errorf("mapping: %w", err)
		}
		for _, d := range devices {
			ix.add(d)
		}
	}
	linked := 0
	for _, m := range machines {
		ok, err := linkMachine(ids, ix, m)
		if err != nil {
			return 0, err
		}
		if ok {
			linked++
		}
	}
	if err := ids.Propagate(store.LinkDevice); err != nil {
		return 0, fmt.Errorf("mapping: %w", err)
	}
	return linked, nil
}

// linkMachine links one machine to its device; false when it names neither a host
// nor a serial number.
func linkMachine(ids *store.Identities, ix *deviceIndex, m store.Machine) (bool, error) {
	serial, host := NormaliseSerial(m.Serial), NormaliseHost(m.Hostname)
	if serial == "" && host == "" {
		return false, nil
	}
	method := MethodSerial
	d := ix.bySerial[serial]
	if d == nil && m.CustomerID != nil {
		d, method = ix.byHost[hostKey{*m.CustomerID, host}], MethodHost
	}
	switch {
	case d == nil:
		d = &store.Device{CustomerID: m.CustomerID, Name: m.Hostname, HostKey: host, Serial: serial}
		if err := ids.SaveDevice(d); err != nil {
			return false, fmt.Errorf("mapping: creating device for %s machine %s: %w", m.Source, m.SourceID, err)
		}
		method = MethodCreated
	case (d.Serial == "" && serial != "") || (d.CustomerID == nil && m.CustomerID != nil) || (d.HostKey == "" && host != ""):
		d.Serial = cmp.Or(d.Serial, serial)
		d.HostKey = cmp.Or(d.HostKey, host)
		if d.CustomerID == nil {
			d.CustomerID = m.CustomerID
		}
		if err := ids.SaveDevice(d); err != nil {
			return false, fmt.Errorf("mapping: completing device %d: %w", d.ID, err)
		}
	}
	ix.add(d)
	return true, createLink(ids, m.Source, store.LinkDevice, m.SourceID, d.ID, method)
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
