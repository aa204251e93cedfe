package sizing

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"
)

// Peak is the most memory a step held: the Go heap in use, sampled every 10 ms, and
// the process's resident set as the kernel counts it (RSS is zero where the kernel
// does not say).
type Peak struct {
	Heap, RSS uint64
}

// SamplePeak starts measuring: it resets the kernel's resident-set high-water mark
// (Linux's /proc/self/clear_refs) and samples the heap until the returned function
// is called, which returns the peaks.
func SamplePeak() func() Peak {
	resetPeakRSS()
	var heap atomic.Uint64
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > heap.Load() {
				heap.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() Peak {
		close(done)
		<-stopped
		return Peak{Heap: heap.Load(), RSS: peakRSS()}
	}
}

// resetPeakRSS sets the high-water mark of the resident set to what it is now;
// without /proc it does nothing.
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSS is the resident set's high-water mark (VmHWM) in bytes, or zero.
func peakRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	s := bufio.NewScanner(bytes.NewReader(b))
	for s.Scan() {
		rest, ok := bytes.CutPrefix(s.Bytes(), []byte("VmHWM:"))
		if !ok {
			continue
		}
		kib, err := strconv.ParseUint(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB"))), 10, 64)
		if err != nil {
			return 0
		}
		return kib << 10
	}
	return 0
}
