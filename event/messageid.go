package event

import (
	"crypto/sha1"
	"encoding/hex"
)

// messageIDNamespace is the namespace of the MESSAGE_IDs of Peripety's
// event types: a random UUID drawn once, never to change.
var messageIDNamespace = [16]byte{0x7a, 0x79, 0x11, 0x02, 0x34, 0xd9, 0x40, 0x3d, 0x94, 0xd5, 0x0a, 0x9c, 0xe3, 0x07, 0x61, 0xba}

// MessageID returns the journald MESSAGE_ID of events of type eventType
// (systemd.journal-fields(7)): a name-based UUID (RFC 9562 version 5: SHA-1
// of the namespace above and the type's name) as 32 lower-case hex digits,
// the form journald catalogs key their entries by. The same type always
// has the same id, built-in or user rule alike; the ids of the built-in
// types are listed in packaging/catalog/peripety.catalog.
func MessageID(eventType string) string {
	h := sha1.New()
	h.Write(messageIDNamespace[:])
	h.Write([]byte(eventType))
	var id [16]byte
	copy(id[:], h.Sum(nil))
	id[6] = id[6]&0x0f | 0x50 // version 5
	id[8] = id[8]&0x3f | 0x80 // RFC 9562 variant
	return hex.EncodeToString(id[:])
}
