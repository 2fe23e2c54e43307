package azure

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// TestPreflight_followsNoRedirect: an authority that redirects the token request elsewhere
// gets no secret sent there; the pre-flight fails as unreachable, not as a Failure.
func TestPreflight_followsNoRedirect(t *testing.T) {
	var stolen atomic.Int32
	elsewhere := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if body, _ := io.ReadAll(r.Body); len(body) > 0 { // anything at all is too much
			stolen.Add(1)
		}
		w.WriteHeader(http.StatusBadRequest)
	}))
	t.Cleanup(elsewhere.Close)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		base := "https://" + r.Host + "/" + r.PathValue("tenant")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"issuer":"`+base+`/v2.0","token_endpoint":"`+base+`/oauth2/v2.0/token",`+
			`"authorization_endpoint":"`+base+`/oauth2/v2.0/authorize"}`) // the client reports a short answer
	})
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/stolen", http.StatusTemporaryRedirect)
	})
	authority := httptest.NewTLSServer(mux)
	t.Cleanup(authority.Close)

	c := withoutRedirects()
	c.Transport = authority.Client().Transport // trusts both test servers' certificate
	p := Preflight{AuthorityHost: authority.URL + "/", Transport: c}
	err := p.Check(context.Background(), "5f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44", "0b7c9e2d-8a41-4f63-b5d0-7e3f1c2a9b88", "s3cr3t", ModeRead)
	var f *Failure
	if err == nil || errors.As(err, &f) {
		t.Errorf("want a plain error, got %v", err)
	}
	if n := stolen.Load(); n != 0 {
		t.Errorf("the sign-in followed the redirect %d times", n)
	}
}
