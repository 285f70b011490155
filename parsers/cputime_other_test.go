//go:build !linux

package parsers

import "time"

// threadCPU is not known outside Linux.
func threadCPU() (time.Duration, bool) { return 0, false }
