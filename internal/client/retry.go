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
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// retryPolicy retries connection errors (a timeout while reading an answer included), 429,
// 500/502/503/504, and a 409 idempotency_key_in_use (the first request with that key is still
// running, so its answer will come). It never retries the other 4xx.
func retryPolicy(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		if errors.Is(err, errAnswerTooLarge) {
			return false, nil
		}
		// Refusals that no retry can mend (bad scheme, untrusted certificate) stay final.
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true, nil
	case http.StatusConflict:
		return errorCode(resp) == CodeIdempotencyKeyInUse, nil
	}
	return false, nil
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

// attempts records the HTTP attempts of one call, for the call's own error: how many requests
// were sent, with which token, and what the last one got.
type attempts struct {
	mu     sync.Mutex
	n      int
	token  *accessToken
	status int
	header http.Header
	body   []byte
	err    error
}

type attemptsKey struct{}

// attemptsOf is the record of ctx's call; nil (which records nothing) outside a call.
func attemptsOf(ctx context.Context) *attempts {
	a, _ := ctx.Value(attemptsKey{}).(*attempts)
	return a
}

func (a *attempts) sentWith(tok *accessToken) {
	if a == nil {
		return
	}
	a.mu.Lock()
	a.token = tok
	a.mu.Unlock()
}

// record counts an attempt and keeps what it got. An attempt cut short by the call's own
// context ending got no answer from the server: it is counted, and the last answer stays.
func (a *attempts) record(ctx context.Context, resp *http.Response, body []byte, err error) {
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n++
	if err != nil && ctx.Err() != nil {
		return
	}
	a.status, a.header, a.body, a.err = 0, nil, nil, err
	if resp != nil && err == nil {
		a.status, a.header, a.body = resp.StatusCode, resp.Header, body
		if resp.StatusCode != http.StatusUnauthorized && a.token != nil {
			a.token.accepted.Store(true)
		}
	}
}

func (a *attempts) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n
}

func (a *attempts) lastToken() *accessToken {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.token
}

func (a *attempts) lastBody() []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.body
}

// lastError is what the last attempt got, as an error: an *APIError for an answer that was
// not a success, a *TransportError for none; nil when no request was sent or the last answer
// was a success.
func (a *attempts) lastError(cl call) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.err != nil:
		return &TransportError{Method: cl.method, Path: cl.path, Err: a.err, Attempts: a.n}
	case a.status >= 300:
		apiErr := decodeAPIError(cl, &http.Response{StatusCode: a.status, Header: a.header}, a.body)
		apiErr.Attempts = a.n
		return apiErr
	}
	return nil
}

// MaxAnswerBytes is the largest answer the client reads; a larger one is refused after
// reading at most this much, so that a broken or hostile server cannot exhaust memory.
const MaxAnswerBytes = 4 << 20

var errAnswerTooLarge = fmt.Errorf("the answer is larger than %d MiB, the most the client reads", MaxAnswerBytes>>20)

// wholeAnswers reads each answer whole within its attempt, so that a connection lost or a
// timeout while reading is an error of that attempt, which the retry policy retries, and
// records every attempt of a call. Answers are bounded by MaxAnswerBytes.
type wholeAnswers struct {
	base http.RoundTripper
}

func (t *wholeAnswers) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err // not sent: not an attempt
	}
	tries := attemptsOf(req.Context())
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		tries.record(req.Context(), nil, nil, err)
		return nil, err
	}
	if resp.ContentLength > MaxAnswerBytes {
		resp.Body.Close()
		tries.record(req.Context(), nil, nil, errAnswerTooLarge)
		return nil, errAnswerTooLarge
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswerBytes+1))
	resp.Body.Close()
	if err == nil && len(body) > MaxAnswerBytes {
		err = errAnswerTooLarge
	}
	if err != nil {
		tries.record(req.Context(), nil, nil, err)
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	tries.record(req.Context(), resp, body, nil)
	return resp, nil
}
