package client_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
	"github.com/segura/terraform-provider-segura/internal/testutil"
)

// finalClient is a client of rawURL that would retry without end, quickly, were a failure
// retried: only the rule for final failures can end its call after one attempt.
func finalClient(t *testing.T, rawURL string, transport http.RoundTripper) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{URL: rawURL, ClientID: "id", ClientSecret: "secret-of-the-test",
		RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond, Transport: transport})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestClient_failuresNoRetryMends: a request that no retry can mend ends at its first
// attempt, and its error says which address, what went wrong and what to change.
func TestClient_failuresNoRetryMends(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	trustAll := func(s *httptest.Server) http.RoundTripper {
		pool := x509.NewCertPool()
		pool.AddCert(s.Certificate())
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{RootCAs: pool}
		return t
	}
	cases := []struct {
		name string
		// start starts the server, counting its connections, and gives the URL to call and
		// the client's transport.
		start func(t *testing.T, conns *atomic.Int64) (string, http.RoundTripper)
		title string
		says  []string
	}{
		{"plain HTTP behind https", func(t *testing.T, conns *atomic.Int64) (string, http.RoundTripper) {
			s := testutil.CountingServer(t, ok, nil, conns)
			return strings.Replace(s.URL, "http://", "https://", 1), nil
		}, "Plain HTTP where https:// was given", []string{"answered in plain HTTP", "url (SEGURA_URL)", "https://127.0.0.1:"}},
		{"certificate not trusted", func(t *testing.T, conns *atomic.Int64) (string, http.RoundTripper) {
			s := testutil.CountingServer(t, ok, &tls.Config{}, conns)
			return s.URL, nil
		}, "Certificate not trusted", []string{"not trust", "SSL_CERT_FILE", "issued by"}},
		{"certificate for another name", func(t *testing.T, conns *atomic.Int64) (string, http.RoundTripper) {
			s := testutil.CountingServer(t, ok, &tls.Config{}, conns)
			// httptest's certificate holds example.com, 127.0.0.1 and ::1, not localhost.
			return strings.Replace(s.URL, "127.0.0.1", "localhost", 1), trustAll(s)
		}, "Certificate for another host", []string{"example.com", "not for localhost"}},
		{"handshake refused", func(t *testing.T, conns *atomic.Int64) (string, http.RoundTripper) {
			s := testutil.CountingServer(t, ok, &tls.Config{MaxVersion: tls.VersionTLS12}, conns)
			tr := trustAll(s).(*http.Transport)
			tr.TLSClientConfig.MinVersion = tls.VersionTLS13
			return s.URL, tr
		}, "TLS handshake failed", []string{"TLS version", "protocol version"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var conns atomic.Int64
			rawURL, transport := tc.start(t, &conns)
			c := finalClient(t, rawURL, transport)
			// Three seconds of fast retries would be hundreds of attempts: ample for one.
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			_, err := c.GetAzureTenant(ctx, tenantA)
			var gu *client.GiveUpError
			if err == nil || errors.As(err, &gu) {
				t.Fatalf("want a final error, got %v", err)
			}
			title, detail, final := client.Unmendable(err)
			if !final || title != tc.title {
				t.Errorf("Unmendable: %q, %v, want the title %q; error: %v", title, final, tc.title, err)
			}
			t.Log(err)
			for _, want := range tc.says {
				if !strings.Contains(detail, want) {
					t.Errorf("the explanation does not say %q: %s", want, detail)
				}
			}
			// One attempt of the token request; a second would be a retry.
			if n := conns.Load(); n != 1 {
				t.Errorf("%d connections, want 1: the failure was retried", n)
			}
		})
	}
}

// TestClient_lostConnectionsAreRetried: what a retry may mend is still retried.
func TestClient_lostConnectionsAreRetried(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	testutil.Fault(t, e.emu.AddFault, emulator.Fault{Route: tokenRoute, DropAfterCommit: true, Count: 2})
	if _, err := e.client().GetAzureTenant(context.Background(), tenantA); !client.IsNotFound(err) {
		t.Fatalf("want not_found after two lost answers of the token request, got %v", err)
	}
	if n := e.count(tokenRoute, "200"); n != 3 {
		t.Errorf("%d token answers, want 3 (two lost, then one used)", n)
	}
}

// TestClient_deadlinesKeepTheCause: a call that reaches its deadline names what its last
// attempt got, for an API request and for the token request before it.
func TestClient_deadlinesKeepTheCause(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	testutil.Fault(t, e.emu.AddFault, emulator.Fault{Route: tokenRoute, Status: 503})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := e.client().GetAzureTenant(ctx, tenantA)
	var gu *client.GiveUpError
	if !errors.As(err, &gu) || gu.Attempts < 1 || gu.Last == nil {
		t.Fatalf("want a deadline with the token request's attempts and last answer, got %#v", err)
	}
	for _, want := range []string{"/oauth2/token", "503", "reached its deadline after"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the deadline's error does not say %q: %v", want, err)
		}
	}
}
