package redresshttp

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
)

// withIdempotencyKey returns a copy of h with an Idempotency-Key made by
// newIdempotencyKey.
func withIdempotencyKey(h http.Header) http.Header {
	h2 := make(http.Header, len(h)+1)
	for k, v := range h {
		h2[k] = v // the values are not changed: sharing them is safe
	}
	h2["Idempotency-Key"] = []string{newIdempotencyKey()}
	return h2
}

// newIdempotencyKey returns a random UUID, version 4 (RFC 9562 §5.4), in
// its usual text form.
func newIdempotencyKey() string {
	var u [16]byte
	rand.Read(u[:])         // never fails (crypto/rand.Read's documentation)
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // variant 10
	var s [36]byte
	hex.Encode(s[0:8], u[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], u[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], u[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], u[8:10])
	s[23] = '-'
	hex.Encode(s[24:], u[10:])
	return string(s[:])
}
