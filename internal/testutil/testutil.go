// Package testutil holds what the tests of several packages share: waiting for the
// emulator, on its clock or for an answer, injecting its faults, and reading the client's
// errors. Production code never imports it.
package testutil

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/segura/terraform-provider-segura/internal/client"
)

// hang is how long a helper waits before it calls the wait a hang, not a slow machine.
const hang = time.Minute

// BlockUntilWaiting returns once n requests wait on clock, and fails the test if that does
// not happen within a minute.
func BlockUntilWaiting(t testing.TB, clock *clockwork.FakeClock, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hang)
	defer cancel()
	if err := clock.BlockUntilContext(ctx, n); err != nil {
		t.Fatalf("no request waits on the clock: %v", err)
	}
}

// WaitForAnswer returns once answers yields want (the emulator's OnAnswer feeds it), and
// fails the test with why if that does not happen within a minute.
func WaitForAnswer(t testing.TB, answers <-chan string, want, why string) {
	t.Helper()
	timeout := time.After(hang)
	for {
		select {
		case a := <-answers:
			if a == want {
				return
			}
		case <-timeout:
			t.Fatalf("the emulator never answered %s: %s", want, why)
		}
	}
}

// Fault injects f through add (the emulator's AddFault), and fails the test if it is refused.
func Fault[F any](t testing.TB, add func(F) error, f F) {
	t.Helper()
	if err := add(f); err != nil {
		t.Fatal(err)
	}
}

// HasCode reports whether err is a *client.APIError with that code.
func HasCode(err error, code string) bool {
	apiErr, ok := client.AsAPIError(err)
	return ok && apiErr.Code == code
}

// IsConflict reports whether err is a 409 with one of codes, or any 409 when codes is empty.
func IsConflict(err error, codes ...string) bool {
	apiErr, ok := client.AsAPIError(err)
	return ok && apiErr.StatusCode == http.StatusConflict && (len(codes) == 0 || slices.Contains(codes, apiErr.Code))
}

// HasAzureFailure reports whether err is an azure_connection_failed error with that reason.
func HasAzureFailure(err error, reason string) bool {
	return slices.ContainsFunc(client.AzureFailures(err), func(d client.ErrorDetail) bool { return d.Reason == reason })
}

// CountingServer serves h over TLS with tlsConfig, or plain HTTP when it is nil, and counts
// the connections that reach it in conns. Its log of refused handshakes is dropped: tests
// that use it refuse them on purpose.
func CountingServer(t testing.TB, h http.Handler, tlsConfig *tls.Config, conns *atomic.Int64) *httptest.Server {
	t.Helper()
	s := httptest.NewUnstartedServer(h)
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			conns.Add(1)
		}
	}
	if tlsConfig == nil {
		s.Start()
	} else {
		s.TLS = tlsConfig
		s.StartTLS()
	}
	t.Cleanup(s.Close)
	return s
}
