package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/jonboulle/clockwork"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
	"github.com/segura/terraform-provider-segura/internal/testutil"
)

// trustedTransport trusts the certificate of every httptest TLS server, and so the Entra ID of
// every emulator the tests start.
var trustedTransport *http.Client

// providers is the provider of a test, waiting on clock.
func providers(clock clockwork.Clock) map[string]func() (tfprotov6.ProviderServer, error) {
	return providersOf(&seguraProvider{version: "test", clock: clock, preflightTransport: trustedTransport})
}

func providersOf(p *seguraProvider) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){"segura": providerserver.NewProtocol6WithError(p)}
}

// Retry waits against the emulator: what tests check is that retries happen and end, not how
// patient they are.
const (
	testRetryWaitMin = 10 * time.Millisecond
	testRetryWaitMax = 200 * time.Millisecond
)

// skipClock is a fake clock on which every wait ends at once and moves the time on by its
// length. The provider's propagation waits then take no real time, and an emulator that shares
// the clock sees the time that they stand for: a secret valid "after 4 seconds" is refused
// until the provider has waited 4 seconds of this clock, however fast or slow the machine.
type skipClock struct{ *clockwork.FakeClock }

func newSkipClock() skipClock { return skipClock{clockwork.NewFakeClockAt(time.Now())} }

func (c skipClock) After(d time.Duration) <-chan time.Time {
	c.Advance(d)
	ch := make(chan time.Time, 1)
	ch <- c.Now()
	return ch
}

func (c skipClock) Sleep(d time.Duration) { c.Advance(d) }

// accEnv is the server an acceptance test runs against: by default an emulator of its own,
// in this process; the server of SEGURA_URL, SEGURA_CLIENT_ID and SEGURA_CLIENT_SECRET when
// SEGURA_URL is set.
type accEnv struct {
	emu *emulator.Server // nil against a real server
	// clock is the time of the provider: a skipClock shared with the emulator by default, the
	// real clock against a real server or when the test chose the emulator's clock.
	clock    clockwork.Clock
	url      string
	entraURL string // the emulator's Entra ID, for the pre-flight
	id       string
	secret   string
	api      *client.Client
	// retryWaitMin and retryWaitMax bound the provider's backoff; zero means its defaults.
	retryWaitMin, retryWaitMax time.Duration
}

func TestMain(m *testing.M) {
	// Every httptest TLS server has the same certificate: trust it for the pre-flight's
	// sign-in to the emulators' Entra ID.
	ts := httptest.NewTLSServer(http.NotFoundHandler())
	trustedTransport = ts.Client()
	ts.Close()
	code := m.Run()
	removeBuiltProvider()
	os.Exit(code)
}

func remoteServer() bool { return os.Getenv("SEGURA_URL") != "" }

// newAccEnv starts an emulator in demo mode, or uses SEGURA_URL.
func newAccEnv(t *testing.T) *accEnv {
	t.Helper()
	if remoteServer() {
		e := &accEnv{url: os.Getenv("SEGURA_URL"), id: os.Getenv("SEGURA_CLIENT_ID"), secret: os.Getenv("SEGURA_CLIENT_SECRET"),
			clock: clockwork.NewRealClock()}
		e.api = newTestClient(t, client.Config{URL: e.url, ClientID: e.id, ClientSecret: e.secret, Clock: e.clock})
		return e
	}
	return newEmulatorEnv(t, emulator.Options{}, "")
}

// newEmulatorEnv starts an emulator with opts. A test that needs the emulator's switches
// (a directory fixture, faults, request counts) calls it with the reason, and skips against
// a real server.
func newEmulatorEnv(t *testing.T, opts emulator.Options, why string) *accEnv {
	t.Helper()
	return newEmulatorEnvBehind(t, opts, why, nil)
}

// newEmulatorEnvBehind is newEmulatorEnv with front, when not nil, between the provider and
// the emulator: a broken or hostile server made from the emulator.
func newEmulatorEnvBehind(t *testing.T, opts emulator.Options, why string, front func(http.Handler) http.Handler) *accEnv {
	t.Helper()
	if remoteServer() {
		t.Skipf("skipped against SEGURA_URL: this test needs the emulator because %s", why)
	}
	// By default the provider and the emulator share a skipClock. A test that sets the
	// emulator's clock itself (real time for retries and timeouts, a fake one to hold
	// requests) leaves the provider on the real clock.
	clock := clockwork.NewRealClock()
	if opts.Clock == nil {
		skip := newSkipClock()
		clock, opts.Clock = skip, skip
	}
	emu, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := serve(t, emu, front)
	entra := httptest.NewTLSServer(emu.EntraHandler())
	t.Cleanup(entra.Close)
	e := &accEnv{emu: emu, clock: clock, retryWaitMin: testRetryWaitMin, retryWaitMax: testRetryWaitMax, url: ts.URL, entraURL: entra.URL + "/", id: emulator.DemoClientID, secret: emulator.DemoClientSecret}
	if opts.ClientID != "" {
		e.id = opts.ClientID
	}
	if opts.ClientSecret != "" {
		e.secret = opts.ClientSecret
	}
	e.api = newTestClient(t, client.Config{URL: e.url, ClientID: e.id, ClientSecret: e.secret, Clock: e.clock,
		RetryWaitMin: testRetryWaitMin, RetryWaitMax: testRetryWaitMax})
	return e
}

// providers is the provider of a test against e, on e's clock and with e's retry waits.
func (e *accEnv) providers() map[string]func() (tfprotov6.ProviderServer, error) {
	return providersOf(&seguraProvider{version: "test", clock: e.clock, preflightTransport: trustedTransport,
		retryWaitMin: e.retryWaitMin, retryWaitMax: e.retryWaitMax})
}

// serve serves emu, behind front when it is not nil, until the test ends.
func serve(t *testing.T, emu *emulator.Server, front func(http.Handler) http.Handler) *httptest.Server {
	t.Helper()
	var handler http.Handler = emu
	if front != nil {
		handler = front(emu)
	}
	ts := httptest.NewServer(handler)
	t.Cleanup(ts.Close)
	return ts
}

func newTestClient(t *testing.T, cfg client.Config) *client.Client {
	t.Helper()
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// providerBlock is the provider configuration of the tests, with settings added. Against the
// emulator, the pre-flight signs in to the emulator's Entra ID. Against a real server, the
// tests' tenants are made up, so the pre-flight is off.
func (e *accEnv) providerBlock(settings string) string {
	if e.emu == nil {
		if !strings.Contains(settings, "azure_preflight") {
			settings += "\n  azure_preflight = false"
		}
		return "provider \"segura\" {" + settings + "\n}\n"
	}
	return fmt.Sprintf("provider \"segura\" {\n  url                  = %q\n  client_id            = %q\n  client_secret        = %q\n"+
		"  azure_authority_host = %q\n  azure_graph_endpoint = %q%s\n}\n", e.url, e.id, e.secret, e.entraURL,
		strings.TrimSuffix(e.entraURL, "/"), settings)
}

// fault injects f into the emulator.
func (e *accEnv) fault(t *testing.T, f emulator.Fault) { testutil.Fault(t, e.emu.AddFault, f) }

// config prefixes a configuration with the provider block.
func (e *accEnv) config(hcl string) string { return e.providerBlock("") + hcl }

// configWith prefixes a configuration with the provider block and more provider settings.
func (e *accEnv) configWith(settings, hcl string) string { return e.providerBlock("\n"+settings) + hcl }

// importConfig is config for an import-block step. plugin-testing writes such a step's
// configuration as it is, without the required_providers block it adds to other steps, and
// OpenTofu would then look for the provider in its own registry instead of the test's.
func (e *accEnv) importConfig(hcl string) string {
	return `terraform {
  required_providers {
    segura = {
      source = "registry.terraform.io/hashicorp/segura"
    }
  }
}
` + e.config(hcl)
}

// checkNoAPICalls fails t when any request reached the API. Against a real server there are
// no request counts, and it says so in the log.
func (e *accEnv) checkNoAPICalls(t *testing.T) {
	t.Helper()
	if e.emu == nil {
		t.Log("request counts not checked: they need the emulator")
		return
	}
	if n := e.apiCalls(); n != 0 {
		t.Errorf("%d requests reached the API; want none", n)
	}
}

// apiCalls counts the answers of every API route, leaving out the token endpoint.
func (e *accEnv) apiCalls() int {
	n := 0
	for route := range e.emu.Counts().Routes {
		if route != "POST /oauth2/token" {
			n += e.emu.Counts().Total(route, "")
		}
	}
	return n
}

// count is the number of answers of route with status; 0 against a real server, so callers
// that assert on it check e.emu first.
func (e *accEnv) count(route, status string) int {
	if e.emu == nil {
		return 0
	}
	return e.emu.Counts().Total(route, status)
}

// expectError matches a CLI error whose words may be wrapped onto several lines: each space
// of pattern matches any run of white space.
func expectError(pattern string) *regexp.Regexp {
	return regexp.MustCompile(strings.ReplaceAll(pattern, " ", `\s+`))
}

// newTenantID returns a tenant ID no other test uses, so that tests can run in parallel and
// against a shared server.
func newTenantID() string { return uuid.NewString() }

// deleteIfExists removes a connection a test made outside Terraform.
func (e *accEnv) deleteIfExists(t *testing.T, tenantID string) {
	t.Cleanup(func() {
		if err := e.api.DeleteAzureTenant(context.Background(), tenantID); err != nil && !client.IsNotFound(err) {
			t.Errorf("cleanup of %s: %v", tenantID, err)
		}
	})
}

// checkGone is a CheckDestroy: no connection is left for the tenants.
func (e *accEnv) checkGone(tenantIDs ...string) func(*terraform.State) error {
	return func(*terraform.State) error {
		for _, id := range tenantIDs {
			if _, err := e.api.GetAzureTenant(context.Background(), id); !client.IsNotFound(err) {
				return fmt.Errorf("connection of %s still exists after destroy (err=%w)", id, err)
			}
		}
		return nil
	}
}
