package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
)

// These tests pin the clauses of DESIGN.md's "Tokens" that no other test breaks alone: when a
// token is renewed, how long one without expires_in serves, and what bounds and ends the
// fetch that concurrent callers share. They use the client's exported calls only.

// tokenProxy is a token endpoint in front of the emulator's: it passes each request on,
// drops expires_in from the answers when asked, and holds the first request until release
// is closed (or its client leaves), so that a test knows a fetch is in flight.
type tokenProxy struct {
	t        *testing.T
	url      string
	upstream string
	// noExpiresIn drops expires_in from every answer.
	noExpiresIn bool
	// release, when not nil, holds the first request until it is closed.
	release chan struct{}
	// requests counts the requests that reached the proxy; arrived gets one value each.
	requests atomic.Int32
	arrived  chan struct{}
}

func newTokenProxy(t *testing.T, e *env) *tokenProxy {
	p := &tokenProxy{t: t, upstream: e.url + "/oauth2/token", arrived: make(chan struct{}, 100)}
	ts := httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(ts.Close)
	p.url = ts.URL + "/oauth2/token"
	return p
}

// hold makes the proxy hold its first request until the returned function is called; the
// test's end calls it in any case, so that the server can close.
func (p *tokenProxy) hold() (release func()) {
	p.release = make(chan struct{})
	var once atomic.Bool
	release = func() {
		if once.CompareAndSwap(false, true) {
			close(p.release)
		}
	}
	p.t.Cleanup(release)
	return release
}

func (p *tokenProxy) serve(w http.ResponseWriter, r *http.Request) {
	n := p.requests.Add(1)
	p.arrived <- struct{}{}
	if n == 1 && p.release != nil {
		select {
		case <-p.release:
		case <-r.Context().Done():
			return
		}
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	resp, err := http.PostForm(p.upstream, r.PostForm)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if p.noExpiresIn && resp.StatusCode == http.StatusOK {
		var answer map[string]any
		if err := json.Unmarshal(body, &answer); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		delete(answer, "expires_in")
		if body, err = json.Marshal(answer); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
	}
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
}

// waitForRequest returns once a request has reached the proxy.
func (p *tokenProxy) waitForRequest() {
	p.t.Helper()
	select {
	case <-p.arrived:
	case <-time.After(time.Minute): // guards against a hang only
		p.t.Fatal("no token request reached the proxy")
	}
}

// listAt lists the connections and fails the test on an error; what is the time it stands for.
func listAt(t *testing.T, c *client.Client, what string) {
	t.Helper()
	if _, err := c.ListAzureTenants(context.Background(), client.ListAzureTenantsInput{}); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestTokens_renewedAtMostAMinuteBeforeExpiry: a token of an hour is renewed a minute before
// it expires, not when a fifth of the hour is left.
func TestTokens_renewedAtMostAMinuteBeforeExpiry(t *testing.T) {
	e := newEnv(t, emulator.Options{TokenLifetime: time.Hour})
	c := e.client()
	listAt(t, c, "at 0")
	e.clock.Advance(58*time.Minute + 59*time.Second)
	listAt(t, c, "at 58m59s")
	if n := e.count(tokenRoute, "200"); n != 1 {
		t.Errorf("tokens of an hour fetched by 58m59s: %d, want 1", n)
	}
	e.clock.Advance(2 * time.Second)
	listAt(t, c, "at 59m01s")
	if n := e.count(tokenRoute, "200"); n != 2 {
		t.Errorf("tokens of an hour fetched by 59m01s: %d, want 2", n)
	}
}

// TestTokens_withoutExpiresInServeAnHour: an answer of the token endpoint without expires_in
// is used for an hour, counted on the client's clock, and renewed after it.
func TestTokens_withoutExpiresInServeAnHour(t *testing.T) {
	e := newEnv(t, emulator.Options{TokenLifetime: 3 * time.Hour})
	p := newTokenProxy(t, e)
	p.noExpiresIn = true
	c := e.client(func(c *client.Config) { c.TokenURL = p.url })
	listAt(t, c, "at 0")
	e.clock.Advance(59 * time.Minute)
	listAt(t, c, "at 59m")
	if n := p.requests.Load(); n != 1 {
		t.Errorf("tokens without expires_in fetched by 59m: %d, want 1", n)
	}
	e.clock.Advance(2 * time.Minute)
	listAt(t, c, "at 61m")
	if n := p.requests.Load(); n != 2 {
		t.Errorf("tokens without expires_in fetched by 61m: %d, want 2", n)
	}
}

// TestTokens_firstCallersCancellationDoesNotEndTheFetch: the caller that began a fetch gives
// up while another waits for it; the fetch goes on, and serves the other with one token.
func TestTokens_firstCallersCancellationDoesNotEndTheFetch(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	p := newTokenProxy(t, e)
	release := p.hold()
	c := e.client(func(c *client.Config) { c.TokenURL = p.url; c.RequestTimeout = time.Hour })

	first, cancel := context.WithCancel(context.Background())
	defer cancel()
	firstDone := make(chan error, 1)
	go func() {
		_, err := c.ListAzureTenants(first, client.ListAzureTenantsInput{})
		firstDone <- err
	}()
	p.waitForRequest() // the first caller's fetch is held in flight
	otherDone := make(chan error, 1)
	go func() {
		_, err := c.ListAzureTenants(context.Background(), client.ListAzureTenantsInput{})
		otherDone <- err
	}()
	cancel()
	if err := <-firstDone; !errors.Is(err, context.Canceled) {
		t.Errorf("the first caller got %v, want its cancellation", err)
	}
	release()
	if err := <-otherDone; err != nil {
		t.Errorf("the caller that waited got %v, want the token of the fetch the first caller began", err)
	}
	if n := p.requests.Load(); n != 1 {
		t.Errorf("%d token requests, want the one the first caller began", n)
	}
}

// TestTokens_firstCallersDeadlineBoundsTheFetch: the fetch ends at the deadline of the caller
// that began it, so a caller that waits for it is not held longer.
func TestTokens_firstCallersDeadlineBoundsTheFetch(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	p := newTokenProxy(t, e)
	release := p.hold()
	c := e.client(func(c *client.Config) { c.TokenURL = p.url; c.RequestTimeout = time.Hour })

	first, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	firstDone := make(chan error, 1)
	go func() {
		_, err := c.ListAzureTenants(first, client.ListAzureTenantsInput{})
		firstDone <- err
	}()
	p.waitForRequest() // the first caller's fetch is held in flight
	otherDone := make(chan error, 1)
	go func() {
		_, err := c.ListAzureTenants(context.Background(), client.ListAzureTenantsInput{})
		otherDone <- err
	}()
	guard := time.After(10 * time.Second) // guards against a hang only
	select {
	case err := <-firstDone:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("the first caller got %v, want its deadline", err)
		}
	case <-guard:
		release()
		t.Fatal("the fetch went on past the deadline of the caller that began it, holding that caller")
	}
	select {
	case err := <-otherDone:
		// It shared the fetch, which ended at the deadline, or came after it and fetched a token
		// anew: either way, it was not held.
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("the caller that waited got %v, want the shared fetch's deadline or a token", err)
		}
	case <-guard:
		release()
		t.Fatal("the fetch went on past the deadline of the caller that began it, holding the other caller")
	}
}
