//go:build !cgo

package sdjournal

// CanRead says whether this build can read the journal: not without cgo.
const CanRead = false

// Open needs sd-journal: without cgo it returns ErrNoJournald.
func Open(src Source) (Journal, error) {
	return nil, ErrNoJournald
}
