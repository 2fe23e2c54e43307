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
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
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
	base, err := url.Parse(strings.TrimRight(cfg.URL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("client: URL %q is not an http or https URL", cfg.URL)
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
	}
	return c, nil
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

	mu      sync.Mutex
	token   *oauth2.Token
	renewAt time.Time
}

func (tc *tokenCache) get(ctx context.Context) (*oauth2.Token, error) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.token != nil && time.Now().Before(tc.renewAt) {
		return tc.token, nil
	}
	fetched := time.Now()
	tok, err := tc.cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, tc.httpClient))
	if err != nil {
		return nil, tokenError(tc.cfg.TokenURL, err)
	}
	tc.token = tok
	tc.renewAt = tok.Expiry
	if !tok.Expiry.IsZero() {
		// Renew when a fifth of the lifetime is left, at most a minute before expiry.
		margin := min(tok.Expiry.Sub(fetched)/5, time.Minute)
		tc.renewAt = tok.Expiry.Add(-margin)
	} else {
		tc.renewAt = time.Now().Add(time.Hour)
	}
	return tok, nil
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
