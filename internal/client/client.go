// Package client speaks the Cloud Entitlements API: OAuth 2.0 client credentials, retries,
// idempotent creation and typed errors. It knows nothing of Terraform.
package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
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
	// MaxRetries is the most retries of one request after a lost connection, a timeout, a
	// 429 or a 5xx: 0 means none. Nil means no cap: requests are retried until the call's
	// context ends.
	MaxRetries *int
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
	baseURL string
	cfg     Config
	http    *http.Client
	tokens  *tokenCache
	// chains maps the first Idempotency-Key of a create's body to the key this process sends
	// next (see CreateAzureTenant).
	chains sync.Map
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
	if cfg.MaxRetries != nil && *cfg.MaxRetries < 0 {
		return nil, fmt.Errorf("client: max retries %d is negative", *cfg.MaxRetries)
	}
	cfg.RequestTimeout = orDefault(cfg.RequestTimeout, DefaultRequestTimeout)
	cfg.RetryWaitMin = orDefault(cfg.RetryWaitMin, DefaultRetryWaitMin)
	cfg.RetryWaitMax = orDefault(cfg.RetryWaitMax, DefaultRetryWaitMax)
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.Logger == nil {
		cfg.Logger = nopLogger{}
	}
	if cfg.Clock == nil {
		cfg.Clock = clockwork.NewRealClock()
	}
	baseURL := strings.TrimRight(cfg.URL, "/")
	if cfg.TokenURL == "" {
		cfg.TokenURL = baseURL + pathToken
	}
	if cfg.Transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// Go keeps 2 idle connections per host, so that Terraform's 10 parallel operations
		// (or more, with -parallelism) would open, and TLS-handshake, a new connection for
		// about a third of their requests.
		t.MaxIdleConnsPerHost = MaxIdleConnsPerHost
		t.MaxIdleConns = MaxIdleConnsPerHost
		cfg.Transport = t
	}
	c := &Client{
		baseURL: baseURL,
		cfg:     cfg,
		http: &http.Client{
			Transport:     &wholeAnswers{base: cfg.Transport, userAgent: cfg.UserAgent},
			Timeout:       cfg.RequestTimeout,
			CheckRedirect: noRedirects,
		},
	}
	c.tokens = newTokenCache(c)
	return c, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
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
	// body is sent as JSON.
	body   any
	header http.Header
	// out receives the decoded success body; nil discards it.
	out any
}

// answer is the HTTP answer that ended a call, and the body the call sent.
type answer struct {
	status   int
	header   http.Header
	body     []byte
	sentBody []byte
}

func (a *answer) replayed() bool { return a.header.Get(headerReplayed) == "true" }

// do runs cl through one retrying client (see retry.go). Its answer is nil when no HTTP
// answer ended the call, and then err says why; a non-2xx answer comes with an *APIError.
func (c *Client) do(ctx context.Context, cl call) (*answer, error) {
	var body []byte
	if cl.body != nil {
		var err error
		if body, err = json.Marshal(cl.body); err != nil {
			return nil, fmt.Errorf("client: encoding %s %s: %w", cl.method, cl.path, err)
		}
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultCallTimeout)
		defer cancel()
	}
	u := c.baseURL + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u, nil)
	if err != nil {
		return nil, fmt.Errorf("client: building %s %s: %w", cl.method, cl.path, err)
	}
	for k, v := range cl.header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	secrets := c.secretsOf(body)
	c.cfg.Logger.Debug(ctx, "API request", maskFields(secrets, map[string]any{
		"method": cl.method, "path": cl.path, "query": cl.query.Encode(), "body": redactBody(body),
	}))
	start := time.Now()
	tries := &attempts{}
	resp, err := c.send(req, body, tries, true)
	if err != nil {
		return nil, c.failed(ctx, cl, tries, secrets, err)
	}
	resp.Body.Close() // wholeAnswers read it into tries.body
	ans := &answer{status: resp.StatusCode, header: resp.Header, body: tries.body, sentBody: body}
	c.cfg.Logger.Debug(ctx, "API response", maskFields(secrets, map[string]any{
		"method": cl.method, "path": cl.path, "status": resp.StatusCode, "request_id": ans.header.Get(headerRequestID),
		"duration_ms": time.Since(start).Milliseconds(), "attempts": tries.n, "body": redactBody(ans.body),
	}))
	if resp.StatusCode >= 300 {
		return ans, decodeAPIError(cl, ans, tries.n, secrets)
	}
	if cl.out != nil && len(ans.body) > 0 {
		if err := json.Unmarshal(ans.body, cl.out); err != nil {
			return ans, &InvalidAnswerError{Method: cl.method, Path: cl.path, RequestID: ans.header.Get(headerRequestID),
				Problem: "the body is not the JSON the contract describes: " + err.Error(), secrets: secrets}
		}
	}
	return ans, nil
}

// failed is the error of a call that ended without an answer: its context ended (a
// *GiveUpError, with what the last attempt got), the token could not be had (a *TokenError),
// or the last attempt got no answer (a *TransportError).
func (c *Client) failed(ctx context.Context, cl call, tries *attempts, secrets []string, err error) error {
	var tokenErr *TokenError
	isTokenErr := errors.As(err, &tokenErr)
	var tokenGaveUp *GiveUpError
	if tries.n == 0 && errors.As(err, &tokenGaveUp) {
		return tokenGaveUp // the fetch of its token reached the deadline, and says what it last got
	}
	if ctx.Err() != nil {
		last := tries.lastError(cl, secrets)
		if last == nil && isTokenErr {
			last = tokenErr
		}
		return &GiveUpError{Method: cl.method, Path: cl.path, Attempts: tries.n,
			Interrupted: errors.Is(ctx.Err(), context.Canceled), Last: last, Err: ctx.Err()}
	}
	if isTokenErr {
		return tokenErr
	}
	return &TransportError{Method: cl.method, Path: cl.path, URL: tries.url, Err: unwrapURLError(err), Attempts: tries.n, secrets: secrets}
}

// unwrapURLError drops the *url.Error that net/http wraps around a transport error (twice for
// a token request, whose HTTP client wraps the retrying one): it repeats the method and URL
// that the client's own error names.
func unwrapURLError(err error) error {
	var ue *url.Error
	for errors.As(err, &ue) {
		err = ue.Err
	}
	return err
}

func decodeAPIError(cl call, ans *answer, attempts int, secrets []string) *APIError {
	apiErr := &APIError{Method: cl.method, Path: cl.path, StatusCode: ans.status, RequestID: ans.header.Get(headerRequestID),
		Attempts: attempts, secrets: secrets}
	if ans.status < 400 {
		apiErr.Message = redirectMessage(ans.status, ans.header)
		return apiErr
	}
	var env errorEnvelope
	if err := json.Unmarshal(ans.body, &env); err == nil && env.Error.Code != "" {
		apiErr.Code, apiErr.Message, apiErr.Details = env.Error.Code, env.Error.Message, env.Error.Details
		if apiErr.RequestID == "" {
			apiErr.RequestID = env.Error.RequestID
		}
		return apiErr
	}
	apiErr.Message = http.StatusText(ans.status)
	if len(ans.body) > 0 && len(ans.body) < 512 && !strings.ContainsRune(string(ans.body), 0) {
		apiErr.Message += ": " + strings.TrimSpace(string(ans.body))
	}
	return apiErr
}

// noRedirects is the redirect policy of every HTTP client here: a redirect is never followed,
// since it would carry the client secret, a token or an Azure secret to wherever it points.
// The 3xx itself is returned, and becomes an error naming its Location.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// redirectMessage explains a 3xx, which the client never follows.
func redirectMessage(status int, header http.Header) string {
	return fmt.Sprintf("%s to %q: redirects are not followed, so that credentials never go to another address; "+
		"if the API has moved, set the url (or token_url) to its new address", http.StatusText(status), header.Get("Location"))
}
