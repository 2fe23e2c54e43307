package emulator

import (
	"bytes"
	"crypto/sha256"
	"net/http"
	"time"
)

// idempotencyTTL is how long a key is remembered.
const idempotencyTTL = 24 * time.Hour

type idemEntry struct {
	bodyHash [32]byte
	done     bool
	status   int
	body     []byte
	expires  time.Time
}

func (s *Server) handleCreate(k *kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, ok := readBody(w, r)
		if !ok {
			return
		}
		key := r.Header.Get("Idempotency-Key")
		if key == "" {
			s.create(k, w, body)
			return
		}
		if len(key) > 255 {
			writeError(w, http.StatusBadRequest, codeValidationFailed, "Idempotency-Key is too long",
				detail{Field: "Idempotency-Key", Reason: "too_long", Message: "must be 1 to 255 characters"})
			return
		}
		// Keys are scoped to the client that sent them, so that two service accounts never
		// share one, and to the collection, whose answers alone a key may replay.
		scoped := clientIDOf(r) + "\x00" + k.path + "\x00" + key
		entry := s.claimKey(w, scoped, sha256.Sum256(body))
		if entry == nil {
			return
		}
		s.pause(r)
		rec := &recorder{header: w.Header()}
		s.create(k, rec, body)
		s.settleKey(scoped, entry, rec)
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.buf.Bytes())
	}
}

// claimKey reserves the key before the create runs, so that a retry sent while the first
// request is still in flight is refused instead of creating a second time. A key already
// known is answered here, as the contract says (replay, in progress, or reused with another
// body), and claimKey returns nil.
func (s *Server) claimKey(w http.ResponseWriter, scoped string, sum [32]byte) *idemEntry {
	s.mu.Lock()
	now := s.now()
	e := s.idempotency[scoped]
	if e == nil || now.After(e.expires) {
		entry := &idemEntry{bodyHash: sum, expires: now.Add(idempotencyTTL)}
		s.idempotency[scoped] = entry
		s.mu.Unlock()
		return entry
	}
	prev := *e
	s.mu.Unlock()
	switch {
	case prev.bodyHash != sum:
		writeError(w, http.StatusUnprocessableEntity, codeIdempotencyKeyReused,
			"this Idempotency-Key was used with another request body")
	case !prev.done:
		writeError(w, http.StatusConflict, codeIdempotencyKeyInUse,
			"a request with this Idempotency-Key is still in progress; retry later")
	default:
		w.Header().Set("Idempotent-Replayed", "true")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(prev.status)
		_, _ = w.Write(prev.body)
	}
	return nil
}

// settleKey keeps the create's answer for replay, but frees the key after a server failure:
// nothing was created then, and a retry with the same key must be allowed to try again.
func (s *Server) settleKey(scoped string, entry *idemEntry, rec *recorder) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec.status >= 500 {
		delete(s.idempotency, scoped)
		return
	}
	entry.done, entry.status, entry.body = true, rec.status, rec.buf.Bytes()
}

// recorder keeps an answer so that it can be stored for replay; it shares the headers.
type recorder struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(status int)      { r.status = status }
func (r *recorder) Write(b []byte) (int, error) { return r.buf.Write(b) }
