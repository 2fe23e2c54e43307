package client

import (
	"context"
	"errors"
	"net/http"
	"net/url"
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

type userAgentTransport struct {
	ua   string
	base http.RoundTripper
}

func (t *userAgentTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("User-Agent", t.ua)
	return t.base.RoundTrip(req)
}

// tokenCache shares one access token among all concurrent calls, fetches a new one shortly
// before it expires, and drops it when the API refuses it.
type tokenCache struct {
	cfg        clientcredentials.Config
	httpClient *http.Client
	clock      clockwork.Clock
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

// get returns the cached token, or waits for a fetch of a new one as long as ctx allows. The
// fetch does not hold the cache's lock and does not end when one waiting caller gives up.
func (tc *tokenCache) get(ctx context.Context) (*accessToken, error) {
	tc.mu.Lock()
	tok, renewAt := tc.token, tc.renewAt
	tc.mu.Unlock()
	if tok != nil && tc.clock.Now().Before(renewAt) {
		return tok, nil
	}
	fetch := tc.fetches.DoChan("", func() (any, error) {
		// Shared by every waiting caller: it keeps the first caller's values and deadline,
		// not its cancellation.
		shared := context.WithValue(context.WithoutCancel(ctx), attemptsKey{}, (*attempts)(nil))
		if deadline, ok := ctx.Deadline(); ok {
			var cancel context.CancelFunc
			shared, cancel = context.WithDeadline(shared, deadline)
			defer cancel()
		}
		return tc.fetch(shared)
	})
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-fetch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*accessToken), nil
	}
}

func (tc *tokenCache) fetch(ctx context.Context) (*accessToken, error) {
	fetched := tc.clock.Now()
	tok, err := tc.cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, tc.httpClient))
	if err != nil {
		return nil, tokenError(tc.cfg.TokenURL, err)
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

func tokenError(tokenURL string, err error) error {
	path := tokenURL
	if u, perr := url.Parse(tokenURL); perr == nil {
		path = u.Path
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil && notATokenEndpoint(re) {
		return &APIError{Method: http.MethodPost, Path: tokenURL, StatusCode: re.Response.StatusCode,
			Code: CodeNotATokenEndpoint, Message: answerKind(re.Response), RequestID: requestID(re.Response)}
	}
	// A 2xx that holds no token: golang.org/x/oauth2 gives these errors as text only.
	for _, text := range []string{"server response missing access_token", "oauth2: cannot parse"} {
		if err != nil && strings.Contains(err.Error(), text) {
			return &APIError{Method: http.MethodPost, Path: tokenURL, StatusCode: http.StatusOK,
				Code: CodeNotATokenEndpoint, Message: "an answer without an access token"}
		}
	}
	if errors.As(err, &re) && re.Response != nil {
		apiErr := &APIError{
			Method:     http.MethodPost,
			Path:       path,
			StatusCode: re.Response.StatusCode,
			Code:       re.ErrorCode,
			Message:    re.ErrorDescription,
			RequestID:  requestID(re.Response),
		}
		if re.Response.StatusCode >= 300 && re.Response.StatusCode < 400 {
			apiErr.Message = redirectMessage(re.Response)
		}
		return apiErr
	}
	return &TransportError{Method: http.MethodPost, Path: path, Err: err}
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
