// Package client speaks the Cloud Entitlements API: OAuth 2.0 client credentials, retries,
// idempotent creation and typed errors. It knows nothing of Terraform.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/jonboulle/clockwork"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/sync/singleflight"
)

// Defaults of Config.
const (
	DefaultRequestTimeout = 30 * time.Second
	DefaultMaxRetries     = 5
	DefaultRetryWaitMin   = 500 * time.Millisecond
	DefaultRetryWaitMax   = 30 * time.Second
	DefaultUserAgent      = "terraform-provider-segura/dev"
)

// Config holds the settings of a Client. URL, ClientID and ClientSecret are required.
type Config struct {
	URL          string
	ClientID     string
	ClientSecret string
	// TokenURL overrides {URL}/oauth2/token.
	TokenURL string
	// RequestTimeout bounds one HTTP attempt; zero means DefaultRequestTimeout.
	RequestTimeout time.Duration
	// MaxRetries bounds the retries of one call; negative means none, zero the default.
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the backoff between retries; zero means the default.
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	UserAgent    string
	Logger       Logger
	// Transport replaces the HTTP transport (tests use it to watch the wire).
	Transport http.RoundTripper
	// Clock decides when an access token is renewed; nil means the real clock.
	Clock clockwork.Clock
}

// Client is safe for concurrent use.
type Client struct {
	baseURL   string
	userAgent string
	http      *retryablehttp.Client
	tokens    *tokenCache
	log       Logger
}

// New checks cfg and returns a Client. It makes no request.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" || cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("client: URL, client ID and client secret are required")
	}
	if err := CheckURL(cfg.URL); err != nil {
		return nil, fmt.Errorf("client: URL %q %w", cfg.URL, err)
	}
	if cfg.TokenURL != "" {
		if err := CheckURL(cfg.TokenURL); err != nil {
			return nil, fmt.Errorf("client: token URL %q %w", cfg.TokenURL, err)
		}
	}
	base, err := url.Parse(strings.TrimRight(cfg.URL, "/"))
	if err != nil {
		return nil, err
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	switch {
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = DefaultMaxRetries
	}
	if cfg.RetryWaitMin <= 0 {
		cfg.RetryWaitMin = DefaultRetryWaitMin
	}
	if cfg.RetryWaitMax <= 0 {
		cfg.RetryWaitMax = DefaultRetryWaitMax
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.Logger == nil {
		cfg.Logger = nopLogger{}
	}
	if cfg.Clock == nil {
		cfg.Clock = clockwork.NewRealClock()
	}
	tokenURL := cfg.TokenURL
	if tokenURL == "" {
		tokenURL = base.String() + pathToken
	}

	transport := cfg.Transport
	if transport == nil {
		transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	rc := &retryablehttp.Client{
		HTTPClient:   &http.Client{Transport: transport, Timeout: cfg.RequestTimeout},
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
		RetryMax:     cfg.MaxRetries,
		CheckRetry:   retryPolicy,
		Backoff:      backoff,
		// The last answer is returned as it is, so that its error body can be read.
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	c := &Client{
		baseURL:   base.String(),
		userAgent: cfg.UserAgent,
		http:      rc,
		log:       cfg.Logger,
	}
	rc.RequestLogHook = func(_ retryablehttp.Logger, req *http.Request, attempt int) {
		if attempt > 0 {
			c.log.Debug(req.Context(), "API request retried", map[string]any{
				"method": req.Method, "path": req.URL.Path, "attempt": attempt + 1,
			})
		}
	}
	c.tokens = &tokenCache{
		cfg: clientcredentials.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			TokenURL:     tokenURL,
			AuthStyle:    oauth2.AuthStyleInParams,
		},
		httpClient: &http.Client{Transport: &userAgentTransport{ua: cfg.UserAgent, base: rc.StandardClient().Transport}},
		clock:      cfg.Clock,
	}
	return c, nil
}

// CheckURL explains what is wrong with the URL of the API or of its token endpoint, or returns
// nil. It is the one rule for both; the provider applies it at plan time too.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("is not an absolute http or https URL such as https://acme.segura.security")
	}
	return nil
}

// retryPolicy retries connection errors, 429 and 500/502/503/504, and never the other 4xx.
func retryPolicy(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		// Refusals that no retry can mend (bad scheme, untrusted certificate) stay final.
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true, nil
	}
	return false, nil
}

// backoff honours Retry-After on 429 and 503, and otherwise waits a random time between min
// and an exponentially growing cap (full jitter), never more than max.
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if s, err := strconv.Atoi(resp.Header.Get(headerRetryAfter)); err == nil && s >= 0 {
			return time.Duration(s) * time.Second
		}
	}
	ceiling := minWait << min(attempt, 20)
	if ceiling <= 0 || ceiling > maxWait {
		ceiling = maxWait
	}
	if ceiling <= minWait {
		return minWait
	}
	return minWait + rand.N(ceiling-minWait)
}

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
	token   *oauth2.Token
	renewAt time.Time
}

// tokenLifetimeUnknown is how long a token whose answer gave no expires_in is used.
const tokenLifetimeUnknown = time.Hour

// get returns the cached token, or waits for a fetch of a new one as long as ctx allows. The
// fetch does not hold the cache's lock and does not end when one waiting caller gives up.
func (tc *tokenCache) get(ctx context.Context) (*oauth2.Token, error) {
	tc.mu.Lock()
	tok, renewAt := tc.token, tc.renewAt
	tc.mu.Unlock()
	if tok != nil && tc.clock.Now().Before(renewAt) {
		return tok, nil
	}
	fetch := tc.fetches.DoChan("", func() (any, error) {
		// Shared by every waiting caller: it keeps the first caller's values and deadline,
		// not its cancellation.
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
		return nil, ctx.Err()
	case r := <-fetch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*oauth2.Token), nil
	}
}

func (tc *tokenCache) fetch(ctx context.Context) (*oauth2.Token, error) {
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
	tc.mu.Lock()
	tc.token, tc.renewAt = tok, renewAt
	tc.mu.Unlock()
	return tok, nil
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
func (tc *tokenCache) invalidate(tok *oauth2.Token) {
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
	if errors.As(err, &re) && re.Response != nil {
		return &APIError{
			Method:     http.MethodPost,
			Path:       path,
			StatusCode: re.Response.StatusCode,
			Code:       re.ErrorCode,
			Message:    re.ErrorDescription,
			RequestID:  requestID(re.Response),
		}
	}
	return &TransportError{Method: http.MethodPost, Path: path, Err: err}
}

// call is one API operation.
type call struct {
	method string
	path   string
	query  url.Values
	body   any
	header http.Header
	// out receives the decoded success body; nil discards it.
	out any
}

// do runs c: it sends the token, retries by the policy, and on a 401 fetches one new token
// and tries once more.
func (c *Client) do(ctx context.Context, cl call) error {
	var body []byte
	if cl.body != nil {
		var err error
		if body, err = json.Marshal(cl.body); err != nil {
			return fmt.Errorf("client: encoding %s %s: %w", cl.method, cl.path, err)
		}
	}
	u := c.baseURL + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}

	for attempt := 0; ; attempt++ {
		tok, err := c.tokens.get(ctx)
		if err != nil {
			return err
		}
		req, err := retryablehttp.NewRequestWithContext(ctx, cl.method, u, body)
		if err != nil {
			return fmt.Errorf("client: building %s %s: %w", cl.method, cl.path, err)
		}
		for k, v := range cl.header {
			req.Header[k] = v
		}
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", c.userAgent)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}

		start := time.Now()
		c.log.Debug(ctx, "API request", map[string]any{
			"method": cl.method, "path": cl.path, "query": cl.query.Encode(), "body": redactBody(body),
		})
		resp, err := c.http.Do(req)
		if err != nil {
			return &TransportError{Method: cl.method, Path: cl.path, Err: err}
		}
		respBody, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return &TransportError{Method: cl.method, Path: cl.path, Err: err}
		}
		c.log.Debug(ctx, "API response", map[string]any{
			"method": cl.method, "path": cl.path, "status": resp.StatusCode,
			"request_id": requestID(resp), "duration_ms": time.Since(start).Milliseconds(),
			"body": redactBody(respBody),
		})

		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 {
			c.tokens.invalidate(tok)
			continue
		}
		if resp.StatusCode >= 300 {
			return decodeAPIError(cl, resp, respBody)
		}
		if cl.out != nil && len(respBody) > 0 {
			if err := json.Unmarshal(respBody, cl.out); err != nil {
				return &TransportError{Method: cl.method, Path: cl.path,
					Err: fmt.Errorf("decoding the %d answer (request ID %s): %w", resp.StatusCode, requestID(resp), err)}
			}
		}
		return nil
	}
}

func decodeAPIError(cl call, resp *http.Response, body []byte) error {
	apiErr := &APIError{Method: cl.method, Path: cl.path, StatusCode: resp.StatusCode, RequestID: requestID(resp)}
	var env errorEnvelope
	if err := json.Unmarshal(body, &env); err == nil && env.Error.Code != "" {
		apiErr.Code = env.Error.Code
		apiErr.Message = env.Error.Message
		apiErr.Details = env.Error.Details
		if apiErr.RequestID == "" {
			apiErr.RequestID = env.Error.RequestID
		}
	} else {
		apiErr.Message = http.StatusText(resp.StatusCode)
		if len(body) > 0 && len(body) < 512 && !bytes.ContainsAny(body, "\x00") {
			apiErr.Message += ": " + strings.TrimSpace(string(body))
		}
	}
	return apiErr
}
