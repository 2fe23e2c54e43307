package emulator

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Fault is an injected misbehaviour, set through POST /_emulator/faults.
type Fault struct {
	// Route is a route pattern such as "POST /api/cloud-entitlements/v1/azure/tenants";
	// empty matches every route but the controls.
	Route string `json:"route,omitempty"`
	// Status answers with this error status instead of handling: 429 or 5xx, or, with Code,
	// any 4xx.
	Status int `json:"status,omitempty"`
	// Code answers Status with this error code instead of the default one for that status.
	// On the token route it is the OAuth 2.0 error (RFC 6749 section 5.2), elsewhere the
	// API's error code.
	Code string `json:"code,omitempty"`
	// RetryAfter is the Retry-After header, in seconds, of a 429 or 503.
	RetryAfter int `json:"retry_after,omitempty"`
	// Count is how many matching requests the fault hits; zero means every one until cleared
	// (then Probability, if set, decides each time).
	Count int `json:"count,omitempty"`
	// After lets this many matching requests pass before the fault starts to hit.
	After       int     `json:"after,omitempty"`
	Probability float64 `json:"probability,omitempty"`
	// LatencyMS delays the handling.
	LatencyMS int `json:"latency_ms,omitempty"`
	// DropAfterCommit handles the request, then closes the connection without an answer.
	DropAfterCommit bool `json:"drop_after_commit,omitempty"`
	// RevokeTokens revokes every access token issued so far, this request's included, before
	// the request is handled.
	RevokeTokens bool `json:"revoke_tokens,omitempty"`
}

// control is one test control under /_emulator/: its route and, for GET /_emulator/, what it
// does. One list both routes the controls and describes them, so the index cannot drift.
type control struct {
	method, path, does string
	handle             http.HandlerFunc
}

// ControlInfo is one control as GET /_emulator/ lists it.
type ControlInfo struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Does   string `json:"does"`
}

// ControlIndex is the answer of GET /_emulator/.
type ControlIndex struct {
	Note     string        `json:"note"`
	Controls []ControlInfo `json:"controls"`
}

func (s *Server) controlList() []control {
	return []control{
		{"GET", "/requests", "answers given so far, by route and status", s.handleRequestCounts},
		{"POST", "/faults", `injects a fault, such as {"route":"GET /api/cloud-entitlements/v1/azure/tenants","status":503,"count":2}`, s.handleAddFault},
		{"DELETE", "/faults", "clears every injected fault", s.handleClearFaults},
		{"POST", "/tokens/revoke", "revokes every access token issued so far", s.handleRevokeTokens},
		{"POST", "/reset", "forgets every connection, idempotency key, fault and count", s.handleReset},
	}
}

// routeControls serves the controls and, at GET /_emulator/ (the address the emulator
// prints), their index.
func (s *Server) routeControls() {
	list := s.controlList()
	index := ControlIndex{Note: "test controls of the emulator; not part of the Cloud Entitlements API contract"}
	for _, c := range list {
		s.mux.HandleFunc(c.method+" "+controlPath+c.path, c.handle)
		index.Controls = append(index.Controls, ControlInfo{Method: c.method, Path: controlPath + c.path, Does: c.does})
	}
	serveIndex := func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, index) }
	s.mux.HandleFunc("GET "+controlPath+"/{$}", serveIndex)
	s.mux.HandleFunc("GET "+controlPath, serveIndex)
}

type controls struct {
	faults []*Fault
	counts map[string]map[string]int // route -> status -> count
}

// RequestCounts is the answer of GET /_emulator/requests.
type RequestCounts struct {
	Routes map[string]map[string]int `json:"routes"`
}

// takeFault returns the fault that hits this request, if any, and uses up one of its count.
func (s *Server) takeFault(route string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.controls.faults {
		if f.Route != "" && f.Route != route {
			continue
		}
		if f.After > 0 {
			f.After--
			continue
		}
		if f.Probability > 0 && rand.Float64() >= f.Probability {
			continue
		}
		hit := *f
		if f.Count > 0 {
			f.Count--
			if f.Count == 0 {
				s.controls.faults = append(s.controls.faults[:i], s.controls.faults[i+1:]...)
			}
		}
		return &hit
	}
	return nil
}

func (s *Server) count(route, status string) {
	s.mu.Lock()
	m := s.controls.counts[route]
	if m == nil {
		m = map[string]int{}
		s.controls.counts[route] = m
	}
	m[status]++
	s.mu.Unlock()
	if s.opts.OnAnswer != nil {
		s.opts.OnAnswer(route, status)
	}
}

// instrument gives every answer a request ID, counts it, and applies injected faults.
func (s *Server) instrument(route string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := newID()
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))

		f := s.takeFault(route)
		if f != nil && f.RevokeTokens {
			s.RevokeTokens()
		}
		if f != nil && f.LatencyMS > 0 {
			r = withLatency(r, time.Duration(f.LatencyMS)*time.Millisecond)
			// A create waits after it has claimed its Idempotency-Key, so that a test can
			// send the same key while the first request is in flight; the rest wait here.
			if !isCreateRoute(route) {
				s.pause(r)
			}
		}
		if f != nil && f.Status != 0 {
			writeFault(w, route, f)
			s.count(route, strconv.Itoa(f.Status))
			return
		}
		if f != nil && f.DropAfterCommit {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			s.count(route, strconv.Itoa(rec.Code))
			s.count(route, "dropped")
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					_ = conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler) // HTTP/2: abort the stream instead
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		s.count(route, strconv.Itoa(sw.status))
	})
}

// isCreateRoute reports whether route is the create of a kind.
func isCreateRoute(route string) bool {
	return slices.ContainsFunc(kinds, func(k *kind) bool { return route == "POST "+k.path })
}

// writeFault answers an injected error in the form that the route's real clients parse:
// an OAuth 2.0 library reads the token endpoint's errors as RFC 6749 section 5.2 has them,
// and would not find the code inside the API's envelope.
func writeFault(w http.ResponseWriter, route string, f *Fault) {
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
	}
	code := f.Code
	if code == "" {
		code = defaultFaultCode(f.Status)
	}
	if route == "POST "+tokenPath {
		writeOAuthError(w, f.Status, code, "injected fault")
		return
	}
	writeError(w, f.Status, code, "injected fault")
}

// defaultFaultCode is the code the API gives a status of its own, so that a fault without a
// code looks like the failure a client would meet in production.
func defaultFaultCode(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return codeRateLimited
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return codeUnavailable
	}
	return codeInternal
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

// Hijack lets faults drop connections through the wrapper.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return w.ResponseWriter.(http.Hijacker).Hijack()
}

// Counts returns how many answers each route gave, by status ("dropped" counts connections
// closed by a DropAfterCommit fault).
func (s *Server) Counts() RequestCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := RequestCounts{Routes: map[string]map[string]int{}}
	for route, m := range s.controls.counts {
		c := map[string]int{}
		for k, v := range m {
			c[k] = v
		}
		out.Routes[route] = c
	}
	return out
}

// Total is the number of answers of route with that status; an empty status counts all
// statuses (not "dropped").
func (c RequestCounts) Total(route, status string) int {
	if status != "" {
		return c.Routes[route][status]
	}
	n := 0
	for k, v := range c.Routes[route] {
		if k != "dropped" {
			n += v
		}
	}
	return n
}

func (s *Server) handleRequestCounts(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Counts())
}

// AddFault injects f; it refuses a fault whose status or route could not be answered.
func (s *Server) AddFault(f Fault) error {
	if err := checkFaultStatus(f); err != nil {
		return err
	}
	if f.Route != "" && !strings.Contains(f.Route, " ") {
		return errors.New(`fault: route is "METHOD /path-pattern"`)
	}
	s.mu.Lock()
	s.controls.faults = append(s.controls.faults, &f)
	s.mu.Unlock()
	return nil
}

// checkFaultStatus refuses a 4xx without a code: the API gives each 4xx its own code, and no
// default would stand for all of them; a code without a status would never be sent.
func checkFaultStatus(f Fault) error {
	switch {
	case f.Status == 0 && f.Code != "":
		return errors.New("fault: code needs a status")
	case f.Status == 0, f.Status == http.StatusTooManyRequests, f.Status >= 500 && f.Status <= 599:
		return nil
	case f.Status >= 400 && f.Status <= 499 && f.Code != "":
		return nil
	case f.Status >= 400 && f.Status <= 499:
		return errors.New("fault: a 4xx status other than 429 needs a code")
	}
	return errors.New("fault: status must be 429 or 5xx, or 4xx with a code")
}

// Reset forgets every connection, idempotency key, fault and count. Issued tokens and the
// directory's clock stay.
func (s *Server) Reset() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range kinds {
		s.setConnectionsLocked(k, nil)
	}
	s.idempotency = map[string]*idemEntry{}
	s.controls = controls{counts: map[string]map[string]int{}}
	return s.saveLocked()
}

// RevokeTokens makes every issued access token invalid, as if it had expired.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	s.tokens = map[string]issuedToken{}
	s.mu.Unlock()
}

func (s *Server) handleAddFault(w http.ResponseWriter, r *http.Request) {
	var f Fault
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		writeError(w, http.StatusBadRequest, codeValidationFailed, "fault: "+err.Error())
		return
	}
	if err := s.AddFault(f); err != nil {
		writeError(w, http.StatusBadRequest, codeValidationFailed, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.controls.faults = nil
	s.mu.Unlock()
}

func (s *Server) handleClearFaults(w http.ResponseWriter, _ *http.Request) {
	s.ClearFaults()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	if err := s.Reset(); err != nil {
		writeError(w, http.StatusInternalServerError, codeInternal, "saving state: "+err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleRevokeTokens(w http.ResponseWriter, _ *http.Request) {
	s.RevokeTokens()
	w.WriteHeader(http.StatusNoContent)
}
