// Package emulator is a standalone implementation of the Cloud Entitlements API contract, with
// an Entra ID compatible token service and test controls. It imports neither the provider nor
// the client, so tests that run the client against it check the wire contract itself.
package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
)

// Paths of the contract, as the server sees them.
const (
	apiBase      = "/api/cloud-entitlements/v1"
	tokenPath    = "/oauth2/token"
	controlPath  = "/_emulator"
	maxBodyBytes = 1 << 20
)

// Options configure a Server. The zero value serves demo credentials in demo mode.
type Options struct {
	// ClientID and ClientSecret are the credentials the token endpoint accepts.
	ClientID     string
	ClientSecret string
	// ViewerClientID and ViewerClientSecret are a second account without the Cloud
	// Entitlements administrator role: it may read, and every change answers 403.
	ViewerClientID     string
	ViewerClientSecret string
	// TokenLifetime of access tokens; zero means one hour.
	TokenLifetime time.Duration
	// SyncDuration is how long a synchronization run takes: pending for the first third, then
	// running, then succeeded, or failed when the directory says so at its end. The next run
	// starts 15 minutes after one ends; creating, activating, new credentials and reprocess
	// start one at once. Zero means 3 seconds.
	SyncDuration time.Duration
	// Directory is the Azure directory that credentials and synchronization runs are checked
	// against. Nil means demo mode: any well-formed credentials are accepted and every run
	// succeeds.
	Directory *Directory
	// AWS is the AWS directory that STS and IAM, served at AWSPath, and the verification of
	// AWS keys are checked against. Nil means demo mode (see AWSDirectory).
	AWS *AWSDirectory
	// DefaultPageSize is the page size of lists that ask for none; zero means 50.
	DefaultPageSize int
	// StateFile, when set, is loaded at start and rewritten atomically after every change.
	StateFile string
	// OnAnswer, when set, is called after each answer is counted, with its route and status
	// as Counts has them, so that a test can wait for an answer instead of polling.
	OnAnswer func(route, status string)
	// CheapSecretHashes hashes secrets with HMAC-SHA256 instead of argon2id, which costs 25 ms
	// of CPU a create: for benchmarks and tests that create thousands of connections. Refused
	// with StateFile, whose hashes must stay slow to brute-force.
	CheapSecretHashes bool
	// Clock is the emulator's time: token expiry, synchronization, directory propagation and
	// injected latency all follow it. Nil means the real clock; tests pass a fake one.
	Clock clockwork.Clock
}

// ReprocessRoute is the route, as Counts and faults name it, of Reprocess: a synchronization
// of one connection now.
const ReprocessRoute = "POST " + tenantsPath + "/{tenant_id}/reprocess"

// Default demo credentials of the standalone emulator.
const (
	DemoClientID     = "demo-client"
	DemoClientSecret = "demo-secret"
	DemoViewerID     = "demo-viewer"
	DemoViewerSecret = "demo-viewer-secret"
)

// Server is the emulator. It is safe for concurrent use.
type Server struct {
	opts    Options
	started time.Time

	mu sync.Mutex
	// collections are the connections of each kind.
	collections map[*kind]*collection
	tokens      map[string]issuedToken // by access token
	idempotency map[string]*idemEntry  // by the caller's client ID, the collection and the key
	// secretSalt salts the hashes of secrets; it is kept in the state file.
	secretSalt []byte
	controls   controls

	mux *http.ServeMux
}

// New returns a Server; it loads Options.StateFile when it exists.
func New(opts Options) (*Server, error) {
	if opts.ClientID == "" {
		opts.ClientID = DemoClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = DemoClientSecret
	}
	if opts.ViewerClientID == "" {
		opts.ViewerClientID = DemoViewerID
	}
	if opts.ViewerClientSecret == "" {
		opts.ViewerClientSecret = DemoViewerSecret
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = time.Hour
	}
	if opts.SyncDuration <= 0 {
		opts.SyncDuration = 3 * time.Second
	}
	if opts.Clock == nil {
		opts.Clock = clockwork.NewRealClock()
	}
	if opts.CheapSecretHashes && opts.StateFile != "" {
		return nil, errors.New("emulator: CheapSecretHashes cannot be used with a StateFile")
	}
	if opts.DefaultPageSize <= 0 || opts.DefaultPageSize > pageSizeMax {
		opts.DefaultPageSize = pageSizeDefault
	}
	s := &Server{
		opts:        opts,
		started:     opts.Clock.Now(),
		collections: map[*kind]*collection{},
		tokens:      map[string]issuedToken{},
		idempotency: map[string]*idemEntry{},
	}
	for _, k := range kinds {
		s.setConnectionsLocked(k, nil)
	}
	s.controls.counts = map[string]map[string]int{}
	s.secretSalt = make([]byte, 16)
	if _, err := rand.Read(s.secretSalt); err != nil {
		return nil, err
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

func (s *Server) now() time.Time { return s.opts.Clock.Now().UTC() }

// ServeHTTP serves the API, the token endpoint and the controls.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	api := func(pattern string, h http.HandlerFunc) {
		s.mux.Handle(pattern, s.instrument(pattern, s.authenticated(h)))
	}
	s.mux.Handle("POST "+tokenPath, s.instrument("POST "+tokenPath, http.HandlerFunc(s.handleToken)))
	for _, k := range kinds {
		api("GET "+k.path, s.handleList(k))
		api("POST "+k.path, s.handleCreate(k))
		api("GET "+k.itemPattern(), s.handleGet(k))
		api("PATCH "+k.itemPattern(), s.handleUpdate(k))
		api("DELETE "+k.itemPattern(), s.handleDelete(k))
		api("POST "+k.reprocessPattern(), s.handleReprocess(k))
	}
	s.mux.HandleFunc(AWSPath, s.handleAWS)
	s.routeControls()
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, codeNotFound, "no such route: "+r.Method+" "+r.URL.Path)
	})
}

// Error codes.
const (
	codeValidationFailed      = "validation_failed"
	codeUnauthorized          = "unauthorized"
	codeForbidden             = "forbidden"
	codeNotFound              = "not_found"
	codeTenantConnected       = "tenant_already_connected"
	codeSecretInUse           = "secret_in_use"
	codeIdempotencyKeyInUse   = "idempotency_key_in_use"
	codeAzureConnectionFailed = "azure_connection_failed"
	codeIdempotencyKeyReused  = "idempotency_key_reused"
	codeRateLimited           = "rate_limited"
	codeInternal              = "internal"
	codeUnavailable           = "unavailable"
	codeConnectionInactive    = "connection_inactive"
	// The conflicts and the verification failure of the kinds after the Azure tenant.
	codeAlreadyConnected    = "already_connected"
	codeCredentialInUse     = "credential_in_use"
	codeAWSConnectionFailed = "aws_connection_failed"
)

type detail struct {
	Field   string   `json:"field,omitempty"`
	Reason  string   `json:"reason,omitempty"`
	Message string   `json:"message,omitempty"`
	Missing []string `json:"missing,omitempty"`
}

type apiError struct {
	Code      string   `json:"code"`
	Message   string   `json:"message"`
	RequestID string   `json:"request_id"`
	Details   []detail `json:"details,omitempty"`
}

type requestIDKey struct{}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

func writeError(w http.ResponseWriter, status int, code, msg string, details ...detail) {
	writeJSON(w, status, map[string]apiError{"error": {
		Code: code, Message: msg, RequestID: w.Header().Get("X-Request-Id"), Details: details,
	}})
}

func writeValidation(w http.ResponseWriter, details []detail) {
	msg := fmt.Sprintf("%d field(s) are invalid", len(details))
	if len(details) == 1 {
		msg = details[0].Field + " " + details[0].Message
	}
	writeError(w, http.StatusBadRequest, codeValidationFailed, msg, details...)
}
