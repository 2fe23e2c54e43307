package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Every request, the token's included, is sent by a retryablehttp client made for its call:
// the hooks below see each attempt of that call and nothing else, so the call's state needs
// no context value, and there is no other retry layer.

// attempts is what the hooks of one call saw: how many requests it sent, with which token,
// and what the last one got. The hooks of a call run one after another.
type attempts struct {
	url     string // where the call's requests go, without the query
	n       int
	retries int // retries after a lost connection, a timeout, a 429 or a 5xx
	token   *accessToken
	renewed bool // a 401 earned a new token
	status  int
	header  http.Header
	body    []byte
	err     error
}

// record counts an attempt and keeps what it got. An attempt cut short by the call's own
// context ending got no answer from the server: it is counted, and the last answer stays.
func (a *attempts) record(ctx context.Context, resp *http.Response, err error) {
	if errors.Is(err, errNotSent) {
		return
	}
	a.n++
	if err != nil && ctx.Err() != nil {
		return
	}
	a.status, a.header, a.body, a.err = 0, nil, nil, err
	if resp != nil && err == nil {
		a.status, a.header = resp.StatusCode, resp.Header
		a.body, _ = io.ReadAll(resp.Body) // wholeAnswers read it into memory
		// Closing, not only reading, ends the request's timer (request_timeout): an answer
		// read to the end without Close keeps it until it fires.
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(a.body))
		if resp.StatusCode != http.StatusUnauthorized && a.token != nil {
			a.token.accepted.Store(true)
		}
	}
}

// lastError is what the last attempt got, as an error, or nil when it got a success or no
// attempt was sent.
func (a *attempts) lastError(cl call, secrets []string) error {
	switch {
	case a.err != nil:
		return &TransportError{Method: cl.method, Path: cl.path, URL: a.url, Err: unwrapURLError(a.err), Attempts: a.n, secrets: secrets}
	case a.status >= 300:
		return decodeAPIError(cl, &answer{status: a.status, header: a.header, body: a.body}, a.n, secrets)
	}
	return nil
}

// retrying is the retrying client of one call. With auth, every attempt carries a valid
// access token, and a 401 earns a new token and a retry: once a call, and again whenever the
// refused token had been accepted before (revoked since, not wrong).
func (c *Client) retrying(tries *attempts, auth bool) *retryablehttp.Client {
	maxRetries := math.MaxInt32 // the call's context ends the retries
	if c.cfg.MaxRetries != nil {
		maxRetries = *c.cfg.MaxRetries
	}
	return &retryablehttp.Client{
		HTTPClient:   c.http,
		RetryWaitMin: c.cfg.RetryWaitMin,
		RetryWaitMax: c.cfg.RetryWaitMax,
		RetryMax:     math.MaxInt32, // CheckRetry applies maxRetries, which a 401's retry does not count against
		Backoff:      backoff,
		// The last answer is returned as it is, so that its error body can be read.
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
		CheckRetry: func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			tries.record(ctx, resp, err)
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			if auth && resp != nil && resp.StatusCode == http.StatusUnauthorized && (!tries.renewed || tries.token.accepted.Load()) {
				tries.renewed = true
				c.tokens.invalidate(tries.token)
				return true, nil
			}
			retry := retryPolicy(resp, err)
			if retry && tries.retries >= maxRetries {
				return false, nil
			}
			if retry {
				tries.retries++
			}
			return retry, nil
		},
		RequestLogHook: func(_ retryablehttp.Logger, req *http.Request, attempt int) {
			if attempt > 0 {
				c.cfg.Logger.Debug(req.Context(), "API request retried",
					map[string]any{"method": req.Method, "path": req.URL.Path, "attempt": attempt + 1})
			}
		},
		PrepareRetry: func(req *http.Request) error {
			if !auth {
				return nil
			}
			return c.authorize(req, tries)
		},
	}
}

// authorize puts a valid access token on req: a token may expire, or be renewed by another
// call, while a call waits out a backoff.
func (c *Client) authorize(req *http.Request, tries *attempts) error {
	tok, err := c.tokens.get(req.Context())
	if err != nil {
		return err
	}
	tries.token = tok
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	return nil
}

// send runs req, with body, through a call's retrying client.
func (c *Client) send(req *http.Request, body []byte, tries *attempts, auth bool) (*http.Response, error) {
	tries.url = req.URL.Scheme + "://" + req.URL.Host + req.URL.Path
	if auth {
		if err := c.authorize(req, tries); err != nil {
			return nil, err
		}
	}
	rreq, err := retryablehttp.FromRequest(req)
	if err != nil {
		return nil, err
	}
	if body != nil {
		if err := rreq.SetBody(body); err != nil {
			return nil, err
		}
	}
	return c.retrying(tries, auth).Do(rreq)
}

// retryPolicy retries what a retry may mend (see transport_errors.go): a request that got no
// answer because its connection was lost or timed out, 429, 500/502/503/504, and a 409
// idempotency_key_in_use (the first request with that key is still running, so its answer will
// come). Everything else is final: the other 4xx, and every other transport failure (TLS,
// certificates, plain HTTP to https://, an unknown host, an answer too large).
func retryPolicy(resp *http.Response, err error) bool {
	if err != nil {
		return retryable(err)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	case http.StatusConflict:
		return errorCode(resp) == CodeIdempotencyKeyInUse
	}
	return false
}

// errorCode is the code of an error answer whose body wholeAnswers kept, or "".
func errorCode(resp *http.Response) string {
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return ""
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	var env errorEnvelope
	if json.Unmarshal(b, &env) != nil {
		return ""
	}
	return env.Error.Code
}

// backoff retries a 401 at once (its retry carries a new token), honours Retry-After on 429
// and 503, and otherwise waits a random time between min and an exponentially growing cap
// (full jitter), never more than max.
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && resp.StatusCode == http.StatusUnauthorized {
		return 0
	}
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

// MaxAnswerBytes is the largest answer the client reads; a larger one is refused after
// reading at most this much, so that a broken or hostile server cannot exhaust memory.
const MaxAnswerBytes = 4 << 20

var errAnswerTooLarge = fmt.Errorf("the answer is larger than %d MiB, the most the client reads", MaxAnswerBytes>>20)

// errNotSent is an attempt that was never sent, since its call's context had ended.
var errNotSent = errors.New("not sent: the call had ended")

// wholeAnswers reads each answer whole within its attempt, so that a connection lost or a
// timeout while reading is an error of that attempt, which the retry policy retries. Answers
// are bounded by MaxAnswerBytes. It also names the client in User-Agent.
type wholeAnswers struct {
	base      http.RoundTripper
	userAgent string
}

func (t *wholeAnswers) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Context().Err() != nil {
		return nil, errNotSent
	}
	req = req.Clone(req.Context())
	req.Header.Set("User-Agent", t.userAgent)
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > MaxAnswerBytes {
		resp.Body.Close()
		return nil, errAnswerTooLarge
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswerBytes+1))
	resp.Body.Close()
	if err == nil && len(body) > MaxAnswerBytes {
		err = errAnswerTooLarge
	}
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}
