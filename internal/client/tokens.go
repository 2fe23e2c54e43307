package client

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/sync/singleflight"
)

// tokenCache shares one access token among all concurrent calls, fetches a new one shortly
// before it expires, and drops it when the API refuses it.
type tokenCache struct {
	c     *Client
	cfg   clientcredentials.Config
	clock clockwork.Clock
	// fetches makes the callers that need a new token at the same time share one request.
	fetches singleflight.Group

	mu      sync.Mutex
	token   *accessToken
	renewAt time.Time
}

// accessToken is a token of the cache, and whether the API ever accepted it: a 401 for a
// token that was accepted means it was revoked or expired since, not that the credentials
// are refused.
type accessToken struct {
	*oauth2.Token
	accepted atomic.Bool
}

// tokenLifetimeUnknown is how long a token whose answer gave no expires_in is used.
const tokenLifetimeUnknown = time.Hour

func newTokenCache(c *Client) *tokenCache {
	return &tokenCache{
		c: c,
		cfg: clientcredentials.Config{
			ClientID:     c.cfg.ClientID,
			ClientSecret: c.cfg.ClientSecret,
			TokenURL:     c.cfg.TokenURL,
			AuthStyle:    oauth2.AuthStyleInParams,
		},
		clock: c.cfg.Clock,
	}
}

// get returns the cached token, or waits for a fetch of a new one as long as ctx allows. The
// fetch does not hold the cache's lock and does not end when one waiting caller gives up.
func (tc *tokenCache) get(ctx context.Context) (*accessToken, error) {
	if tok := tc.fresh(); tok != nil {
		return tok, nil
	}
	// led is closed when this caller's own function runs the fetch: the fetch then ends at
	// this caller's deadline too, so at that deadline the caller waits for the fetch's answer,
	// which names what its last attempt got, rather than return a bare deadline.
	led := make(chan struct{})
	fetch := tc.fetches.DoChan("", func() (any, error) {
		close(led)
		// A fetch that ended between this caller's look and its DoChan left a token.
		if tok := tc.fresh(); tok != nil {
			return tok, nil
		}
		// Shared by every waiting caller: it keeps the first caller's deadline, not its
		// cancellation.
		shared := context.WithoutCancel(ctx)
		if deadline, ok := ctx.Deadline(); ok {
			var cancel context.CancelFunc
			shared, cancel = context.WithDeadline(shared, deadline)
			defer cancel()
		}
		return tc.fetch(shared)
	})
	select {
	case <-ctx.Done():
		select {
		case <-led:
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return result(<-fetch)
			}
		default:
		}
		return nil, ctx.Err()
	case r := <-fetch:
		return result(r)
	}
}

func result(r singleflight.Result) (*accessToken, error) {
	if r.Err != nil {
		return nil, r.Err
	}
	return r.Val.(*accessToken), nil
}

// fresh is the cached token if it is not yet due for renewal, or nil.
func (tc *tokenCache) fresh() *accessToken {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.token != nil && tc.clock.Now().Before(tc.renewAt) {
		return tc.token
	}
	return nil
}

// fetch asks the token endpoint for a token, through a retrying client of its own call: the
// same rules as every other request.
func (tc *tokenCache) fetch(ctx context.Context) (*accessToken, error) {
	fetched := tc.clock.Now()
	tries := &attempts{}
	hc := &http.Client{Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
		return tc.c.send(req, nil, tries, false)
	}), CheckRedirect: noRedirects}
	tok, err := tc.cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, hc))
	if err != nil && ctx.Err() != nil {
		return nil, &GiveUpError{Method: http.MethodPost, Path: tc.cfg.TokenURL, Attempts: tries.n,
			Interrupted: errors.Is(ctx.Err(), context.Canceled), Last: tc.lastAttempt(tries), Err: ctx.Err()}
	}
	if err != nil {
		return nil, tc.tokenError(err, tries)
	}
	// Renew when a fifth of the lifetime is left, at most a minute before expiry. The lifetime
	// is the answer's expires_in, counted on the client's clock from when the request left.
	renewAt := fetched.Add(tokenLifetimeUnknown)
	if lifetime := expiresIn(tok); lifetime > 0 {
		renewAt = fetched.Add(lifetime - min(lifetime/5, time.Minute))
	}
	cached := &accessToken{Token: tok}
	tc.mu.Lock()
	tc.token, tc.renewAt = cached, renewAt
	tc.mu.Unlock()
	return cached, nil
}

// expiresIn is the token's lifetime as the answer's expires_in gave it, or 0. The oauth2
// package turns it into a wall-clock Expiry; the raw value lets the injected clock count it.
func expiresIn(tok *oauth2.Token) time.Duration {
	var seconds float64
	switch v := tok.Extra("expires_in").(type) {
	case float64: // a JSON answer
		seconds = v
	case string: // a form-encoded answer
		seconds, _ = strconv.ParseFloat(v, 64)
	}
	if seconds <= 0 {
		return 0
	}
	return time.Duration(seconds * float64(time.Second))
}

// invalidate drops tok if it is still the cached one, so that a burst of 401s fetches one
// new token, not one each.
func (tc *tokenCache) invalidate(tok *accessToken) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.token == tok {
		tc.token = nil
	}
}

// tokenError is the *TokenError of a token request that gave no token.
func (tc *tokenCache) tokenError(err error, tries *attempts) *TokenError {
	te := &TokenError{URL: tc.cfg.TokenURL, ClientID: tc.cfg.ClientID, Attempts: tries.n,
		secrets: []string{tc.cfg.ClientSecret}}
	var re *oauth2.RetrieveError
	switch {
	case errors.As(err, &re) && re.Response != nil:
		te.StatusCode, te.RequestID = re.Response.StatusCode, re.Response.Header.Get(headerRequestID)
		te.Code, te.Description = re.ErrorCode, re.ErrorDescription
		switch {
		case te.StatusCode < 400:
			te.Code, te.Description = CodeNotATokenEndpoint, redirectMessage(te.StatusCode, re.Response.Header)
		case notATokenEndpoint(re):
			te.Code, te.Description = CodeNotATokenEndpoint, answerKind(re.Response)
		case te.Code == "":
			te.Description = http.StatusText(te.StatusCode)
		}
	case tries.status >= 200 && tries.status < 300:
		// A 2xx that holds no token: golang.org/x/oauth2 gives these errors as text only.
		te.StatusCode, te.Code, te.Description = tries.status, CodeNotATokenEndpoint, "an answer without an access token"
	default:
		te.Err = unwrapURLError(err)
	}
	return te
}

// lastAttempt is what the last attempt of a token request got, as a *TokenError, or nil when
// none got anything.
func (tc *tokenCache) lastAttempt(tries *attempts) error {
	te := &TokenError{URL: tc.cfg.TokenURL, ClientID: tc.cfg.ClientID, Attempts: tries.n,
		secrets: []string{tc.cfg.ClientSecret}}
	switch {
	case tries.err != nil:
		te.Err = unwrapURLError(tries.err)
	case tries.status >= 300:
		var refusal struct {
			Code        string `json:"error"`
			Description string `json:"error_description"`
		}
		_ = json.Unmarshal(tries.body, &refusal) // an answer that is not OAuth 2.0 JSON keeps its status only
		te.StatusCode, te.Code, te.Description = tries.status, refusal.Code, refusal.Description
		if te.Description == "" {
			te.Description = http.StatusText(tries.status)
		}
		te.RequestID = tries.header.Get(headerRequestID)
	default:
		return nil
	}
	return te
}

// notATokenEndpoint reports whether a refusal of the token request came from something else
// than an OAuth 2.0 token endpoint: 404 or 405, or an HTML page, with no OAuth error code.
// The likely cause is a url with a path, or the URL of another service.
func notATokenEndpoint(re *oauth2.RetrieveError) bool {
	if re.ErrorCode != "" {
		return false
	}
	status := re.Response.StatusCode
	return status == http.StatusNotFound || status == http.StatusMethodNotAllowed ||
		strings.HasPrefix(re.Response.Header.Get("Content-Type"), "text/html")
}

// answerKind says what a refusal of the token request was, for its message.
func answerKind(resp *http.Response) string {
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		return "an HTML page"
	}
	return http.StatusText(resp.StatusCode)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
