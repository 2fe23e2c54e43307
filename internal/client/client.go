// Package client speaks the Cloud Entitlements API: OAuth 2.0 client credentials, retries,
// idempotent creation and typed errors. It knows nothing of Terraform.
package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/jonboulle/clockwork"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Defaults of Config.
const (
	DefaultRequestTimeout = 30 * time.Second
	DefaultRetryWaitMin   = 500 * time.Millisecond
	DefaultRetryWaitMax   = 30 * time.Second
	DefaultUserAgent      = "terraform-provider-segura/dev"
	// DefaultCallTimeout bounds a call, retries included, whose context has no deadline.
	DefaultCallTimeout = 5 * time.Minute
)

// MaxIdleConnsPerHost is how many idle connections to Segura the client keeps for reuse:
// Terraform's parallelism, with room for -parallelism up to this.
const MaxIdleConnsPerHost = 64

// Config holds the settings of a Client. URL, ClientID and ClientSecret are required.
type Config struct {
	URL          string
	ClientID     string
	ClientSecret string
	// TokenURL overrides {URL}/oauth2/token.
	TokenURL string
	// RequestTimeout bounds one HTTP attempt, reading the answer included; zero means
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
	// MaxRetries caps the retries of one call: zero means no cap (a call is retried until its
	// context's deadline), negative means no retries.
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
	// keySecret keys the Idempotency-Keys derived from requests (see CreateAzureTenant).
	keySecret []byte
	// keyChains maps the first Idempotency-Key of a create's body to the key to send next.
	keyChains sync.Map
}

// New checks cfg and returns a Client. It makes no request.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" || cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("client: URL, client ID and client secret are required")
	}
	if err := CheckBaseURL(cfg.URL); err != nil {
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
	retryMax := cfg.MaxRetries
	switch {
	case cfg.MaxRetries < 0:
		retryMax = 0
	case cfg.MaxRetries == 0:
		retryMax = math.MaxInt32 // the context's deadline ends the retries
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
		t := http.DefaultTransport.(*http.Transport).Clone()
		// Go keeps 2 idle connections per host, so that Terraform's 10 parallel operations
		// (or more, with -parallelism) would open, and TLS-handshake, a new connection for
		// about a third of their requests.
		t.MaxIdleConnsPerHost = MaxIdleConnsPerHost
		t.MaxIdleConns = MaxIdleConnsPerHost
		transport = t
	}
	newRetrying := func() *retryablehttp.Client {
		return &retryablehttp.Client{
			HTTPClient: &http.Client{
				Transport:     &wholeAnswers{base: transport},
				Timeout:       cfg.RequestTimeout,
				CheckRedirect: noRedirects,
			},
			RetryWaitMin: cfg.RetryWaitMin,
			RetryWaitMax: cfg.RetryWaitMax,
			RetryMax:     retryMax,
			CheckRetry:   retryPolicy,
			Backoff:      backoff,
			// The last answer is returned as it is, so that its error body can be read.
			ErrorHandler: retryablehttp.PassthroughErrorHandler,
		}
	}
	rc := newRetrying()
	c := &Client{
		baseURL:   base.String(),
		userAgent: cfg.UserAgent,
		http:      rc,
		log:       cfg.Logger,
		keySecret: []byte(cfg.ClientSecret),
	}
	rc.RequestLogHook = func(_ retryablehttp.Logger, req *http.Request, attempt int) {
		if attempt > 0 {
			fields := map[string]any{"method": req.Method, "path": req.URL.Path, "attempt": attempt + 1}
			if deadline, ok := req.Context().Deadline(); ok {
				fields["time_left"] = time.Until(deadline).Round(time.Second).String()
			}
			c.log.Debug(req.Context(), "API request retried", fields)
		}
	}
	c.tokens = &tokenCache{
		cfg: clientcredentials.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			TokenURL:     tokenURL,
			AuthStyle:    oauth2.AuthStyleInParams,
		},
		httpClient: &http.Client{
			Transport:     &userAgentTransport{ua: cfg.UserAgent, base: newRetrying().StandardClient().Transport},
			CheckRedirect: noRedirects,
		},
		clock: cfg.Clock,
	}
	// Every retry carries a token valid when it is sent: a token may expire, or be renewed by
	// another call, while this one waits out a backoff.
	rc.PrepareRetry = func(req *http.Request) error {
		tok, err := c.tokens.get(req.Context())
		if err != nil {
			return err
		}
		attemptsOf(req.Context()).sentWith(tok)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		return nil
	}
	return c, nil
}

// CheckURL explains what is wrong with the URL of the API or of its token endpoint, or returns
// nil. It is the one rule for both; the provider applies it at plan time too. Credentials
// travel only over https, except to this machine (localhost, 127.0.0.0/8, ::1), where the
// emulator and tests listen.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return errors.New("is not an absolute https URL such as https://acme.segura.security")
	case u.User != nil:
		return errors.New("holds a user name or password; give credentials in client_id and client_secret")
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return errors.New("is plain http to another machine, which would send the credentials in clear text; " +
			"use https (http is accepted for localhost, 127.0.0.0/8 and ::1 only)")
	}
	return nil
}

// CheckBaseURL is CheckURL for the API's base URL, which must not hold the API's own path: a
// likely mistake, copied from a request, that makes every call miss (the token endpoint
// answers 404).
func CheckBaseURL(raw string) error {
	if err := CheckURL(raw); err != nil {
		return err
	}
	u, _ := url.Parse(raw) // CheckURL parsed it
	for _, p := range []string{pathAPIBase, strings.TrimSuffix(pathAPIBase, "/v1"), pathToken} {
		if i := strings.Index(strings.ToLower(u.Path), p); i >= 0 {
			base := *u
			base.Path, base.RawQuery, base.Fragment = u.Path[:i], "", ""
			return fmt.Errorf("holds the API path %s; give the base URL only: %s", u.Path[i:], strings.TrimSuffix(base.String(), "/"))
		}
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// call is one API operation.
type call struct {
	method string
	path   string
	query  url.Values
	// body is sent as JSON; rawBody, when set, is sent as it is instead.
	body    any
	rawBody []byte
	header  http.Header
	// out receives the decoded success body; nil discards it.
	out any
	// secrets are what the call sends that must never be shown (see secrets.go).
	secrets []string
}

// answer is the last HTTP answer of a call, and the body the call sent.
type answer struct {
	status   int
	header   http.Header
	body     []byte
	sentBody []byte
}

// maxTokenRefreshes bounds the fresh tokens one call may fetch after 401s.
const maxTokenRefreshes = 3

// do runs cl: it sends a valid token with every attempt, retries by the policy until ctx's
// deadline (or the configured cap), and on a 401 fetches a fresh token and tries again. A
// second 401 earns another token only when the refused token had been accepted before
// (revoked or expired since); a fresh token that the API never accepted means that it
// refuses these credentials. The answer is nil when none arrived.
func (c *Client) do(ctx context.Context, cl call) (*answer, error) {
	body := cl.rawBody
	if body == nil && cl.body != nil {
		var err error
		if body, err = json.Marshal(cl.body); err != nil {
			return nil, fmt.Errorf("client: encoding %s %s: %w", cl.method, cl.path, err)
		}
	}
	cl.rawBody, cl.secrets = body, c.secretsOf(body)
	ans, err := c.send(ctx, cl)
	return ans, maskError(err, cl.secrets)
}

// send is do without the masking of secrets in errors.
func (c *Client) send(ctx context.Context, cl call) (*answer, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultCallTimeout)
		defer cancel()
	}
	body := cl.rawBody
	u := c.baseURL + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	tries := &attempts{}
	ctx = context.WithValue(ctx, attemptsKey{}, tries)

	for refreshes := 0; ; {
		tok, err := c.tokens.get(ctx)
		if err != nil {
			return nil, c.gaveUp(ctx, cl, tries, err)
		}
		req, err := retryablehttp.NewRequestWithContext(ctx, cl.method, u, body)
		if err != nil {
			return nil, fmt.Errorf("client: building %s %s: %w", cl.method, cl.path, err)
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
		tries.sentWith(tok)

		start := time.Now()
		c.log.Debug(ctx, "API request", map[string]any{
			"method": cl.method, "path": cl.path, "query": cl.query.Encode(), "body": mask(redactBody(body), cl.secrets),
		})
		resp, err := c.http.Do(req)
		if err != nil {
			return nil, c.gaveUp(ctx, cl, tries, &TransportError{Method: cl.method, Path: cl.path, Err: err, Attempts: tries.count()})
		}
		resp.Body.Close() // wholeAnswers kept the body
		ans := &answer{status: resp.StatusCode, header: resp.Header, body: tries.lastBody(), sentBody: body}
		c.log.Debug(ctx, "API response", map[string]any{
			"method": cl.method, "path": cl.path, "status": resp.StatusCode,
			"request_id": requestID(resp), "duration_ms": time.Since(start).Milliseconds(),
			"attempts": tries.count(), "body": mask(redactBody(ans.body), cl.secrets),
		})

		if refused := tries.lastToken(); resp.StatusCode == http.StatusUnauthorized && refreshes < maxTokenRefreshes &&
			(refreshes == 0 || refused.accepted.Load()) {
			c.tokens.invalidate(refused)
			refreshes++
			continue
		}
		if resp.StatusCode >= 300 {
			apiErr := decodeAPIError(cl, resp, ans.body)
			apiErr.Attempts = tries.count()
			return ans, apiErr
		}
		if cl.out != nil && len(ans.body) > 0 {
			if err := json.Unmarshal(ans.body, cl.out); err != nil {
				return ans, &TransportError{Method: cl.method, Path: cl.path, Attempts: tries.count(),
					Err: fmt.Errorf("decoding the %d answer (request ID %s): %w", resp.StatusCode, requestID(resp), err)}
			}
		}
		return ans, nil
	}
}

// gaveUp is err, or a *GiveUpError when err came from ctx ending: canceled (Terraform asked
// the provider to stop) or past its deadline.
func (c *Client) gaveUp(ctx context.Context, cl call, tries *attempts, err error) error {
	if ctx.Err() == nil {
		return err
	}
	last := tries.lastError(cl)
	if last == nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		last = err
	}
	return &GiveUpError{
		Method: cl.method, Path: cl.path, Attempts: tries.count(),
		Interrupted: errors.Is(ctx.Err(), context.Canceled), Last: last, Err: ctx.Err(),
	}
}

func decodeAPIError(cl call, resp *http.Response, body []byte) *APIError {
	apiErr := &APIError{Method: cl.method, Path: cl.path, StatusCode: resp.StatusCode, RequestID: requestID(resp)}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		apiErr.Message = redirectMessage(resp)
		return apiErr
	}
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
		if len(body) > 0 && len(body) < 512 && !strings.ContainsRune(string(body), 0) {
			apiErr.Message += ": " + strings.TrimSpace(string(body))
		}
	}
	return apiErr
}

// noRedirects is the redirect policy of every HTTP client here: a redirect is never followed,
// since it would carry the client secret, a token or an Azure secret to wherever it points.
// The 3xx itself is returned, and becomes an error naming its Location.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// redirectMessage explains a 3xx, which the client never follows.
func redirectMessage(resp *http.Response) string {
	return fmt.Sprintf("%s to %q: redirects are not followed, so that credentials never go to another address; "+
		"if the API has moved, set the url (or token_url) to its new address", http.StatusText(resp.StatusCode), resp.Header.Get("Location"))
}
