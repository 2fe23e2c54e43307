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

func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		s.create(w, body)
		return
	}
	if len(key) > 255 {
		writeError(w, http.StatusBadRequest, codeValidationFailed, "Idempotency-Key is too long",
			detail{Field: "Idempotency-Key", Reason: "too_long", Message: "must be 1 to 255 characters"})
		return
	}
	// Keys are scoped to the client that sent them: two service accounts never share one.
	scoped := clientIDOf(r) + "\x00" + key
	sum := sha256.Sum256(body)

	s.mu.Lock()
	now := s.now()
	e := s.idempotency[scoped]
	if e != nil && now.After(e.expires) {
		e = nil
	}
	switch {
	case e != nil && e.bodyHash != sum:
		s.mu.Unlock()
		writeError(w, http.StatusUnprocessableEntity, codeIdempotencyKeyReused,
			"this Idempotency-Key was used with another request body")
		return
	case e != nil && !e.done:
		s.mu.Unlock()
		writeError(w, http.StatusConflict, codeIdempotencyKeyInUse,
			"a request with this Idempotency-Key is still in progress; retry later")
		return
	case e != nil:
		status, replay := e.status, e.body
		s.mu.Unlock()
		w.Header().Set("Idempotent-Replayed", "true")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(replay)
		return
	}
	entry := &idemEntry{bodyHash: sum, expires: now.Add(idempotencyTTL)}
	s.idempotency[scoped] = entry
	s.mu.Unlock()

	s.pause(r)
	rec := &recorder{header: w.Header()}
	s.create(rec, body)

	s.mu.Lock()
	if rec.status >= 500 {
		delete(s.idempotency, scoped) // a server fault is not an answer to replay
	} else {
		entry.done, entry.status, entry.body = true, rec.status, rec.buf.Bytes()
	}
	s.mu.Unlock()
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.buf.Bytes())
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
