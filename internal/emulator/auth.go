package emulator

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"
)

// handleToken is the OAuth 2.0 client credentials grant (RFC 6749 section 4.4), with the
// credentials in the form or in HTTP Basic.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "the body is not a form")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials")
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	admin := equal(id, s.opts.ClientID) && equal(secret, s.opts.ClientSecret)
	viewer := equal(id, s.opts.ViewerClientID) && equal(secret, s.opts.ViewerClientSecret)
	if !admin && !viewer {
		w.Header().Set("WWW-Authenticate", `Basic realm="segura"`)
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong client secret")
		return
	}
	token := newID() + newID()
	lifetime := s.opts.TokenLifetime
	s.mu.Lock()
	now := s.now()
	for t, it := range s.tokens { // forget expired tokens so the map stays small
		if now.After(it.expires) {
			delete(s.tokens, t)
		}
	}
	s.tokens[token] = issuedToken{clientID: id, expires: now.Add(lifetime), admin: admin}
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": token,
		"token_type":   "Bearer",
		"expires_in":   max(1, int((lifetime+time.Second-1)/time.Second)),
	})
}

// clientIDKey holds, in a request's context, the client ID the request's token was issued to.
type clientIDKey struct{}

func clientIDOf(r *http.Request) string {
	id, _ := r.Context().Value(clientIDKey{}).(string)
	return id
}

type issuedToken struct {
	clientID string
	expires  time.Time
	admin    bool // holds the Cloud Entitlements administrator role
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// authenticated refuses API calls without a valid, unexpired bearer token.
func (s *Server) authenticated(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		it, known := s.tokens[token]
		valid := ok && known && s.now().Before(it.expires)
		s.mu.Unlock()
		if !valid {
			w.Header().Set("WWW-Authenticate", `Bearer realm="segura"`)
			writeError(w, http.StatusUnauthorized, codeUnauthorized, "missing, invalid or expired access token")
			return
		}
		if !it.admin && r.Method != http.MethodGet {
			writeError(w, http.StatusForbidden, codeForbidden,
				"this service account lacks the Cloud Entitlements administrator role")
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), clientIDKey{}, it.clientID)))
	}
}
