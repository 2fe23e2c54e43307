package client

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	answer := func(status int, retryAfter string) *http.Response {
		h := http.Header{}
		if retryAfter != "" {
			h.Set(headerRetryAfter, retryAfter)
		}
		return &http.Response{StatusCode: status, Header: h}
	}
	const minWait, maxWait = 100 * time.Millisecond, 2 * time.Second
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		if got := backoff(minWait, maxWait, 0, answer(status, "7")); got != 7*time.Second {
			t.Errorf("%d with Retry-After: 7 waits %v", status, got)
		}
	}
	// Retry-After belongs to 429 and 503 only; anything else, or a date, gets the backoff.
	for _, resp := range []*http.Response{nil, answer(500, "7"), answer(429, "Wed, 21 Oct 2026 07:28:00 GMT")} {
		for attempt := range 8 {
			ceiling := min(minWait<<attempt, maxWait)
			if got := backoff(minWait, maxWait, attempt, resp); got < minWait || got > ceiling {
				t.Errorf("attempt %d (%v): waits %v, want %v to %v", attempt, statusOf(resp), got, minWait, ceiling)
			}
		}
	}
}

func statusOf(resp *http.Response) string {
	if resp == nil {
		return "no answer"
	}
	return strconv.Itoa(resp.StatusCode)
}
