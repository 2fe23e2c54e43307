package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
	"github.com/segura/terraform-provider-segura/internal/testutil"
)

const (
	tenantA = "11111111-1111-4111-8111-111111111111"
	tenantB = "22222222-2222-4222-8222-222222222222"
	appA1   = "aaaaaaaa-0000-4000-8000-000000000001"
	appA2   = "aaaaaaaa-0000-4000-8000-000000000002"
	appB1   = "bbbbbbbb-0000-4000-8000-000000000001"

	tenantsRoute = "/api/cloud-entitlements/v1/azure/tenants"
	tokenRoute   = "POST /oauth2/token"
)

type env struct {
	t   testing.TB
	emu *emulator.Server
	url string
	log *recordingLogger
	// clock is the time of the emulator and of every client of the env: it moves only when
	// the test advances it.
	clock *clockwork.FakeClock
	// answers receives the route of every answer of the emulator.
	answers chan string
}

func newEnv(t testing.TB, opts emulator.Options) *env {
	t.Helper()
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	opts.Clock = clock
	answers := make(chan string, 10000)
	opts.OnAnswer = func(route, _ string) {
		select {
		case answers <- route:
		default: // nobody is waiting for so many
		}
	}
	emu, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(emu)
	t.Cleanup(ts.Close)
	return &env{t: t, emu: emu, url: ts.URL, log: &recordingLogger{}, clock: clock, answers: answers}
}

func (e *env) blockUntilWaiting(n int) { testutil.BlockUntilWaiting(e.t, e.clock, n) }

func (e *env) client(mod ...func(*client.Config)) *client.Client {
	e.t.Helper()
	cfg := client.Config{
		URL: e.url, ClientID: emulator.DemoClientID, ClientSecret: emulator.DemoClientSecret,
		RetryWaitMin: 5 * time.Millisecond, RetryWaitMax: 20 * time.Millisecond,
		UserAgent: "terraform-provider-segura/test terraform/1.5.7", Logger: e.log, Clock: e.clock,
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := client.New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) fault(f emulator.Fault) { testutil.Fault(e.t, e.emu.AddFault, f) }

func (e *env) count(route, status string) int { return e.emu.Counts().Total(route, status) }

// waitForAnswer returns once route has given an answer.
func (e *env) waitForAnswer(t *testing.T, route string) {
	testutil.WaitForAnswer(t, e.answers, route, "no answer")
}

func input(tenant, app, secret, mode string) client.CreateAzureTenantInput {
	return client.CreateAzureTenantInput{Name: "Production", TenantID: tenant, ApplicationID: app, SecretValue: secret, IntegrationMode: mode}
}

func directory(t *testing.T) *emulator.Directory {
	d, err := emulator.LoadDirectory("../emulator/testdata/directory.json")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

type recordingLogger struct {
	mu      sync.Mutex
	records []string
}

func (l *recordingLogger) Debug(_ context.Context, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, fmt.Sprint(msg, fields))
}

func (l *recordingLogger) all() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.records, "\n")
}

// recorder watches the wire.
type recorder struct {
	mu   sync.Mutex
	base http.RoundTripper
	reqs []recorded
	edit func(*http.Request)
}

type recorded struct {
	method, path, body string
	header             http.Header
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if r.edit != nil {
		req = req.Clone(req.Context())
		r.edit(req)
	}
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(strings.NewReader(string(body)))
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, recorded{req.Method, req.URL.Path, string(body), req.Header.Clone()})
	r.mu.Unlock()
	base := r.base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(req)
}

func TestClient_lifecycle(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	rec := &recorder{}
	c := e.client(func(c *client.Config) { c.Transport = rec })
	ctx := context.Background()

	in := input(strings.ToUpper(tenantA), appA1, "lifecycle-secret", "read")
	in.Tags = []string{"prod", "finance"}
	created, err := c.CreateAzureTenant(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if created.TenantID != tenantA || !slices.Equal(created.Tags, []string{"finance", "prod"}) || created.Status != client.StatusActive {
		t.Errorf("created %+v", created)
	}
	got, err := c.GetAzureTenant(ctx, strings.ToUpper(tenantA))
	if err != nil || got.Name != "Production" || got.ConnectedAt.IsZero() || got.Synchronization.State == "" {
		t.Fatalf("get: %+v %v", got, err)
	}

	name := "Renamed"
	empty := []string{}
	updated, err := c.UpdateAzureTenant(ctx, tenantA, client.UpdateAzureTenantInput{Name: &name, Tags: &empty})
	if err != nil || updated.Name != name || len(updated.Tags) != 0 || updated.ApplicationID != appA1 {
		t.Fatalf("update: %+v %v", updated, err)
	}
	var patch string
	for _, r := range rec.reqs {
		if r.method == http.MethodPatch {
			patch = r.body
		}
		if r.path != "/oauth2/token" && (r.header.Get("User-Agent") != "terraform-provider-segura/test terraform/1.5.7" || !strings.HasPrefix(r.header.Get("Authorization"), "Bearer ")) {
			t.Errorf("%s %s: headers %v", r.method, r.path, r.header)
		}
	}
	if patch != `{"name":"Renamed","tags":[]}` {
		t.Errorf("PATCH sends only the given fields, got %s", patch)
	}
	if err := c.DeleteAzureTenant(ctx, tenantA); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetAzureTenant(ctx, tenantA)
	if !client.IsNotFound(err) {
		t.Errorf("get after delete: %v", err)
	}
	if err := c.DeleteAzureTenant(ctx, tenantA); !client.IsNotFound(err) {
		t.Errorf("delete after delete: %v", err)
	}
	if strings.Contains(e.log.all(), "lifecycle-secret") {
		t.Error("the secret reached the logger")
	}
}

func TestClient_errorCodes(t *testing.T) {
	e := newEnv(t, emulator.Options{Directory: directory(t)})
	c := e.client(func(c *client.Config) { c.MaxRetries = retries(0) })
	ctx := context.Background()
	if _, err := c.CreateAzureTenant(ctx, input(tenantA, appA1, "good-secret", "read")); err != nil {
		t.Fatal(err)
	}

	_, err := c.CreateAzureTenant(ctx, client.CreateAzureTenantInput{Name: " ", TenantID: "nope", ApplicationID: appA1, SecretValue: "x", IntegrationMode: "read"})
	apiErr, ok := client.AsAPIError(err)
	if !ok || apiErr.StatusCode != 400 || apiErr.Code != client.CodeValidationFailed || len(apiErr.Details) != 2 ||
		apiErr.Details[0].Field != client.FieldName || apiErr.Details[1].Field != client.FieldTenantID {
		t.Errorf("validation_failed: %#v", err)
	}
	if apiErr != nil && (apiErr.RequestID == "" || !strings.Contains(err.Error(), "(request ID "+apiErr.RequestID+")")) {
		t.Errorf("Error() lacks the request ID: %v", err)
	}

	_, err = c.CreateAzureTenant(ctx, input(strings.ToUpper(tenantA), appB1, "second-secret", "read"))
	if !testutil.IsConflict(err, client.CodeTenantAlreadyConnected) || testutil.IsConflict(err, client.CodeSecretInUse) {
		t.Errorf("tenant_already_connected: %v", err)
	}
	_, err = c.CreateAzureTenant(ctx, input(tenantB, appB1, "good-secret", "read"))
	if !testutil.IsConflict(err, client.CodeSecretInUse) {
		t.Errorf("secret_in_use: %v", err)
	}
	if err := c.DeleteAzureTenant(ctx, tenantA); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateAzureTenant(ctx, input(tenantA, appA2, "no-consent-secret", "read"))
	if !testutil.HasAzureFailure(err, client.ReasonMissingPermissions) || !testutil.HasAzureFailure(err, client.ReasonMissingRole) {
		t.Errorf("azure_connection_failed: %v", err)
	}
	for _, d := range client.AzureFailures(err) {
		if len(d.Missing) == 0 {
			t.Errorf("detail %s has no missing list", d.Reason)
		}
	}
	for _, tc := range []struct{ app, secret, reason string }{
		{appA1, "bad", client.ReasonInvalidClientSecret},
		{appB1, "good-secret", client.ReasonApplicationNotFound},
	} {
		_, err = c.CreateAzureTenant(ctx, input(tenantA, tc.app, tc.secret, "read"))
		if !testutil.HasAzureFailure(err, tc.reason) {
			t.Errorf("%s: %v", tc.reason, err)
		}
	}
	_, err = c.CreateAzureTenant(ctx, input("33333333-3333-4333-8333-333333333333", appA1, "good-secret", "read"))
	if !testutil.HasAzureFailure(err, client.ReasonTenantNotFound) {
		t.Errorf("tenant_not_found: %v", err)
	}
	if _, err := c.GetAzureTenant(ctx, tenantB); !testutil.HasCode(err, client.CodeNotFound) {
		t.Errorf("not_found: %v", err)
	}

	viewer := e.client(func(c *client.Config) {
		c.ClientID, c.ClientSecret = emulator.DemoViewerID, emulator.DemoViewerSecret
	})
	if _, err := viewer.ListAzureTenants(ctx, client.ListAzureTenantsInput{}); err != nil {
		t.Errorf("viewer list: %v", err)
	}
	if err := viewer.DeleteAzureTenant(ctx, tenantA); !testutil.HasCode(err, client.CodeForbidden) {
		t.Errorf("forbidden: %v", err)
	}

	bad := e.client(func(c *client.Config) { c.ClientSecret = "wrong" })
	_, err = bad.GetAzureTenant(ctx, tenantA)
	var tokenErr *client.TokenError
	if _, isAPI := client.AsAPIError(err); isAPI || !errors.As(err, &tokenErr) || tokenErr.StatusCode != 401 ||
		tokenErr.Code != client.CodeInvalidClient || tokenErr.RequestID == "" || !tokenErr.Refused() {
		t.Errorf("invalid_client: %#v", err)
	}

	for _, tc := range []struct {
		status int
		code   string
	}{{429, client.CodeRateLimited}, {500, client.CodeInternal}, {502, client.CodeUnavailable}, {503, client.CodeUnavailable}, {504, client.CodeUnavailable}} {
		e.fault(emulator.Fault{Route: "GET " + tenantsRoute + "/{tenant_id}", Status: tc.status, Count: 1})
		if _, err := c.GetAzureTenant(ctx, tenantA); !testutil.HasCode(err, tc.code) {
			t.Errorf("%d: %v", tc.status, err)
		}
	}
}

func TestClient_idempotencyKeyErrors(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	// Pin every Idempotency-Key to one value, as a buggy caller would.
	rec := &recorder{edit: func(r *http.Request) {
		if r.Header.Get("Idempotency-Key") != "" {
			r.Header.Set("Idempotency-Key", "pinned")
		}
	}}
	c := e.client(func(c *client.Config) { c.Transport = rec; c.MaxRetries = retries(0) })
	ctx := context.Background()
	// Two creates with one key: the first is held on the emulator's clock after it claimed
	// the key, so the second finds it in flight.
	e.fault(emulator.Fault{Route: "POST " + tenantsRoute, LatencyMS: 1500, Count: 1})
	first := make(chan error, 1)
	go func() {
		_, err := c.CreateAzureTenant(ctx, input(tenantA, appA1, "s1", "read"))
		first <- err
	}()
	e.blockUntilWaiting(1)
	_, second := c.CreateAzureTenant(ctx, input(tenantA, appA1, "s1", "read"))
	e.clock.Advance(1500 * time.Millisecond)
	if err := <-first; err != nil || !testutil.IsConflict(second, client.CodeIdempotencyKeyInUse) {
		t.Errorf("want success for the first and idempotency_key_in_use for the second, got %v and %v", err, second)
	}
	var err error
	_, err = c.CreateAzureTenant(ctx, input(tenantB, appB1, "s2", "read"))
	if apiErr, ok := client.AsAPIError(err); !ok || apiErr.StatusCode != 422 || apiErr.Code != client.CodeIdempotencyKeyReused {
		t.Errorf("idempotency_key_reused: %v", err)
	}
}

func TestClient_createSurvivesDroppedAnswer(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	c := e.client()
	e.fault(emulator.Fault{Route: "POST " + tenantsRoute, DropAfterCommit: true, Count: 1})
	got, err := c.CreateAzureTenant(context.Background(), input(tenantA, appA1, "s", "read"))
	if err != nil {
		t.Fatalf("create after a dropped answer: %v", err)
	}
	if got.TenantID != tenantA {
		t.Errorf("got %+v", got)
	}
	if n := e.count("POST "+tenantsRoute, "dropped"); n != 1 {
		t.Errorf("dropped answers: %d, want 1", n)
	}
	if n := e.count("POST "+tenantsRoute, "201"); n != 2 {
		t.Errorf("201 answers: %d, want 2 (the dropped one and its replay)", n)
	}
	if n := e.count("POST "+tenantsRoute, "409"); n != 0 {
		t.Errorf("the retry conflicted %d times", n)
	}
	page, err := c.ListAzureTenants(context.Background(), client.ListAzureTenantsInput{})
	if err != nil || len(page.Items) != 1 {
		t.Errorf("connections: %v %v", page, err)
	}
}

func TestClient_retries(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	c := e.client()
	ctx := context.Background()
	get := "GET " + tenantsRoute
	for _, status := range []int{429, 500, 502, 503, 504} {
		e.fault(emulator.Fault{Route: get, Status: status, Count: 2})
		if _, err := c.ListAzureTenants(ctx, client.ListAzureTenantsInput{}); err != nil {
			t.Errorf("%d twice then 200: %v", status, err)
		}
		if n := e.count(get, fmt.Sprint(status)); n != 2 {
			t.Errorf("%d answers: %d", status, n)
		}
	}
	if n := e.count(get, "200"); n != 5 {
		t.Errorf("200 answers: %d, want 5", n)
	}

	// The retry limit holds: 1 try + 2 retries.
	limited := e.client(func(c *client.Config) { c.MaxRetries = retries(2) })
	e.fault(emulator.Fault{Route: "GET " + tenantsRoute + "/{tenant_id}", Status: 503, Count: 10})
	_, err := limited.GetAzureTenant(ctx, tenantA)
	if !testutil.HasCode(err, client.CodeUnavailable) {
		t.Errorf("after retries: %v", err)
	}
	if n := e.count("GET "+tenantsRoute+"/{tenant_id}", "503"); n != 3 {
		t.Errorf("503 answers: %d, want 3", n)
	}
	if err := e.emu.Reset(); err != nil {
		t.Fatal(err)
	}

	// Other 4xx are never retried.
	for _, call := range []func() error{
		func() error { _, err := c.GetAzureTenant(ctx, tenantA); return err },
		func() error { _, err := c.CreateAzureTenant(ctx, input("bad", appA1, "s", "read")); return err },
	} {
		if err := call(); err == nil {
			t.Fatal("expected an error")
		}
	}
	counts := e.emu.Counts()
	if counts.Total("GET "+tenantsRoute+"/{tenant_id}", "") != 1 || counts.Total("POST "+tenantsRoute, "") != 1 {
		t.Errorf("4xx retried: %+v", counts)
	}

	// A connection dropped without an answer is retried.
	e.fault(emulator.Fault{Route: get, DropAfterCommit: true, Count: 1})
	if _, err := c.ListAzureTenants(ctx, client.ListAzureTenantsInput{}); err != nil {
		t.Errorf("after a dropped connection: %v", err)
	}

	if !strings.Contains(e.log.all(), "API request retried") {
		t.Error("retries are not logged")
	}
}

// TestClient_retryAfterIsHonoured: a Retry-After longer than the call's deadline ends the call
// at the deadline with no second try. Were Retry-After ignored, the client's own backoff (at
// most 20ms here) would retry, and the one 429 would give way to a success.
func TestClient_retryAfterIsHonoured(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	c := e.client()
	e.fault(emulator.Fault{Route: "GET " + tenantsRoute, Status: 429, RetryAfter: 3600, Count: 1})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := c.ListAzureTenants(ctx, client.ListAzureTenantsInput{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("want the deadline while waiting out Retry-After, got %v", err)
	}
	if n := e.count("GET "+tenantsRoute, ""); n != 1 {
		t.Errorf("%d tries, want 1", n)
	}
}

func TestClient_retriesStopAtTheDeadline(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	c := e.client(func(c *client.Config) {
		c.MaxRetries = retries(1000)
		c.RetryWaitMin, c.RetryWaitMax = 50*time.Millisecond, 50*time.Millisecond
	})
	e.fault(emulator.Fault{Route: "GET " + tenantsRoute, Status: 503})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := c.ListAzureTenants(ctx, client.ListAzureTenantsInput{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("want the context's deadline, got %v", err)
	}
	if n := e.count("GET "+tenantsRoute, "503"); n > 10 {
		t.Errorf("%d tries within 300ms of 50ms waits", n)
	}
}

func TestClient_transportErrorsAreNotAPIErrors(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close()
	c, err := client.New(client.Config{URL: url, ClientID: "a", ClientSecret: "b", MaxRetries: retries(0)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetAzureTenant(context.Background(), tenantA)
	var te *client.TokenError
	if !errors.As(err, &te) || te.Err == nil || te.Refused() {
		t.Errorf("want a TokenError without an answer, got %T %v", err, err)
	}
	if _, ok := client.AsAPIError(err); ok || client.IsNotFound(err) {
		t.Error("a transport error must not look like an API answer")
	}
}

func TestClient_tokens(t *testing.T) {
	// Renewal comes when a fifth of the lifetime is left: at 2.4s of 3s.
	e := newEnv(t, emulator.Options{TokenLifetime: 3 * time.Second})
	c := e.client()
	ctx := context.Background()

	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := c.ListAzureTenants(ctx, client.ListAzureTenantsInput{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := e.count(tokenRoute, "200"); n != 1 {
		t.Errorf("20 concurrent calls fetched %d tokens, want 1", n)
	}

	// Not renewed before a fifth of the lifetime is left...
	e.clock.Advance(2300 * time.Millisecond)
	if _, err := c.ListAzureTenants(ctx, client.ListAzureTenantsInput{}); err != nil {
		t.Fatal(err)
	}
	if n := e.count(tokenRoute, "200"); n != 1 {
		t.Errorf("tokens at 2.3s of 3s: %d, want 1", n)
	}
	// ...and renewed then, before it expires: no call meets a 401.
	e.clock.Advance(200 * time.Millisecond)
	if _, err := c.ListAzureTenants(ctx, client.ListAzureTenantsInput{}); err != nil {
		t.Fatal(err)
	}
	if n := e.count(tokenRoute, "200"); n != 2 {
		t.Errorf("tokens at 2.5s of 3s: %d, want 2", n)
	}
	if n := e.count("GET "+tenantsRoute, "401"); n != 0 {
		t.Errorf("%d calls met an expired token", n)
	}

	// A token the server no longer accepts earns one fresh token and one retry.
	e.emu.RevokeTokens()
	if _, err := c.ListAzureTenants(ctx, client.ListAzureTenantsInput{}); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	if a, b := e.count("GET "+tenantsRoute, "401"), e.count(tokenRoute, "200"); a != 1 || b != 3 {
		t.Errorf("after revocation: %d 401s and %d tokens, want 1 and 3", a, b)
	}

	// No more than one: a server that refuses every token gets two tries.
	strip := e.client(func(c *client.Config) {
		c.Transport = &recorder{edit: func(r *http.Request) {
			if r.Header.Get("Authorization") != "" {
				r.Header.Set("Authorization", "Bearer refused")
			}
		}}
	})
	before401, beforeTok := e.count("GET "+tenantsRoute, "401"), e.count(tokenRoute, "200")
	_, err := strip.ListAzureTenants(ctx, client.ListAzureTenantsInput{})
	if !testutil.HasCode(err, client.CodeUnauthorized) {
		t.Errorf("want unauthorized, got %v", err)
	}
	if a, b := e.count("GET "+tenantsRoute, "401")-before401, e.count(tokenRoute, "200")-beforeTok; a != 2 || b != 2 {
		t.Errorf("refused tokens: %d 401s and %d tokens, want 2 and 2", a, b)
	}

	logs := e.log.all()
	if strings.Contains(logs, emulator.DemoClientSecret) || strings.Contains(logs, "Bearer") {
		t.Error("credentials or tokens reached the logger")
	}
}

// TestClient_tokensRevokedTwiceInOneCall: a token refused after the API had accepted it was
// revoked, not wrong, and earns a fresh one, even within a call that already replaced one.
func TestClient_tokensRevokedTwiceInOneCall(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	c := e.client()
	list := "GET " + tenantsRoute
	// The first request revokes every token, the second (with a fresh one) meets a 429, the
	// third revokes every token again. Faults are taken in order.
	e.fault(emulator.Fault{Route: list, RevokeTokens: true, Count: 1})
	e.fault(emulator.Fault{Route: list, Status: 429, Count: 1})
	e.fault(emulator.Fault{Route: list, RevokeTokens: true, Count: 1})
	if _, err := c.ListAzureTenants(context.Background(), client.ListAzureTenantsInput{}); err != nil {
		t.Fatalf("two revocations in one call: %v", err)
	}
	if a, b := e.count(list, "401"), e.count(tokenRoute, "200"); a != 2 || b != 3 {
		t.Errorf("%d 401s and %d tokens, want 2 and 3", a, b)
	}
}

// TestClient_waitingForATokenEndsWithTheCallersContext: while one token request is slow,
// another caller whose context ends gets its own error at once, and the slow request still
// serves the callers that wait for it.
func TestClient_waitingForATokenEndsWithTheCallersContext(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	// No request timeout ends the slow request before the test does.
	c := e.client(func(c *client.Config) { c.RequestTimeout = time.Hour })
	e.fault(emulator.Fault{Route: tokenRoute, LatencyMS: 1000, Count: 1})
	patient := make(chan error, 1)
	go func() {
		_, err := c.ListAzureTenants(context.Background(), client.ListAzureTenantsInput{})
		patient <- err
	}()
	e.blockUntilWaiting(1) // the token request is held on the emulator's clock

	ctx, cancel := context.WithCancel(context.Background())
	impatient := make(chan error, 1)
	go func() {
		_, err := c.ListAzureTenants(ctx, client.ListAzureTenantsInput{})
		impatient <- err
	}()
	cancel()
	select {
	case err := <-impatient:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the impatient caller got %v, want its context's cancellation", err)
		}
	case <-time.After(30 * time.Second):
		e.clock.Advance(time.Second) // let the held request end, so the server can close
		t.Fatal("a caller could not give up while another fetched a token")
	}

	e.clock.Advance(time.Second)
	if err := <-patient; err != nil {
		t.Errorf("the patient caller: %v", err)
	}
	if n := e.count(tokenRoute, "200"); n != 1 {
		t.Errorf("%d tokens fetched, want 1", n)
	}
}

func TestClient_pagination(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	c := e.client()
	ctx := context.Background()
	for i := range 7 {
		in := input(fmt.Sprintf("%08d-0000-4000-8000-000000000000", i), appA1, fmt.Sprint("s", i), []string{"read", "read_write"}[i%2])
		in.Tags = []string{"all", fmt.Sprint("n", i%3)}
		if i == 6 {
			in.Status = client.StatusInactive
		}
		if _, err := c.CreateAzureTenant(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for tenant, err := range c.AllAzureTenants(ctx, client.ListAzureTenantsInput{PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tenant.TenantID)
	}
	if len(ids) != 7 || !slices.IsSorted(ids) {
		t.Errorf("ids %v", ids)
	}
	if n := e.count("GET "+tenantsRoute, "200"); n != 4 {
		t.Errorf("%d pages read, want 4", n)
	}
	count := func(in client.ListAzureTenantsInput) int {
		n := 0
		for _, err := range c.AllAzureTenants(ctx, in) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		return n
	}
	for _, tc := range []struct {
		in   client.ListAzureTenantsInput
		want int
	}{
		{client.ListAzureTenantsInput{Status: client.StatusInactive}, 1},
		{client.ListAzureTenantsInput{IntegrationMode: "read_write"}, 3},
		{client.ListAzureTenantsInput{Tags: []string{"n0"}}, 3},
		{client.ListAzureTenantsInput{Tags: []string{"n0", "all"}, PageSize: 1}, 3},
		{client.ListAzureTenantsInput{Tags: []string{"n0", "n1"}}, 0},
		{client.ListAzureTenantsInput{IntegrationMode: "read", Status: client.StatusActive, Tags: []string{"n2"}}, 1},
	} {
		if got := count(tc.in); got != tc.want {
			t.Errorf("%+v: %d, want %d", tc.in, got, tc.want)
		}
	}
	// Stopping early reads no further page.
	before := e.count("GET "+tenantsRoute, "200")
	for _, err := range c.AllAzureTenants(ctx, client.ListAzureTenantsInput{PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	if n := e.count("GET "+tenantsRoute, "200") - before; n != 1 {
		t.Errorf("an early stop read %d pages", n)
	}
}

func TestNew_refusesBadSettings(t *testing.T) {
	for _, cfg := range []client.Config{
		{URL: "", ClientID: "a", ClientSecret: "b"},
		{URL: "ftp://x", ClientID: "a", ClientSecret: "b"},
		{URL: "http://x", ClientID: "", ClientSecret: "b"},
		{URL: "http://x", ClientID: "a", ClientSecret: ""},
	} {
		if _, err := client.New(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

func jsonDecode(r io.ReadCloser, v any) error {
	defer r.Close()
	return json.NewDecoder(r).Decode(v)
}

// TestClient_createIsRepeatable: the Idempotency-Key comes from the request, so a create
// repeated after a crash replays the first one and returns its connection, instead of
// failing with tenant_already_connected. A replay whose connection is gone, or that repeats a
// refusal, sends the request anew.
func TestClient_createIsRepeatable(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	rec := &recorder{}
	c := e.client(func(c *client.Config) { c.Transport = rec })
	ctx := context.Background()
	in := input(tenantA, appA1, "repeatable", "read")

	first, err := c.CreateAzureTenant(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.client().CreateAzureTenant(ctx, in) // another process, the same credentials
	if err != nil || again.TenantID != first.TenantID || !again.ConnectedAt.Equal(first.ConnectedAt) {
		t.Fatalf("repeated create: %+v %v, want the first connection", again, err)
	}
	if n := e.count("POST "+tenantsRoute, "201"); n != 2 {
		t.Errorf("%d 201 answers, want the first and its replay", n)
	}
	keys := map[string]bool{}
	for _, r := range rec.reqs {
		if k := r.header.Get("Idempotency-Key"); k != "" {
			keys[k] = true
			if strings.Contains(k, "repeatable") || len(k) != 64 {
				t.Errorf("the key %q is not an opaque digest", k)
			}
		}
	}
	if len(keys) != 1 {
		t.Errorf("%d keys for one request body, want 1", len(keys))
	}

	// Disconnected since: the replay is not trusted, and a new connection is made.
	if err := c.DeleteAzureTenant(ctx, tenantA); err != nil {
		t.Fatal(err)
	}
	third, err := c.CreateAzureTenant(ctx, in)
	if err != nil || third.ConnectedAt.IsZero() {
		t.Fatalf("create after a disconnect: %+v %v", third, err)
	}
	if _, err := c.GetAzureTenant(ctx, tenantA); err != nil {
		t.Errorf("the tenant is not connected again: %v", err)
	}

	// A replayed refusal: the secret belonged to another tenant, which is gone since.
	taken := input(tenantB, appB1, "taken", "read")
	if _, err := c.CreateAzureTenant(ctx, taken); err != nil {
		t.Fatal(err)
	}
	refused := input("33333333-3333-4333-8333-333333333333", appA2, "taken", "read")
	if _, err := c.CreateAzureTenant(ctx, refused); !testutil.IsConflict(err, client.CodeSecretInUse) {
		t.Fatalf("want secret_in_use, got %v", err)
	}
	if err := c.DeleteAzureTenant(ctx, tenantB); err != nil {
		t.Fatal(err)
	}
	// A new process (no memory of the chain) meets the replayed refusal, and goes on.
	before := e.count("POST "+tenantsRoute, "409")
	if _, err := e.client().CreateAzureTenant(ctx, refused); err != nil {
		t.Errorf("the refusal was replayed although its cause is gone: %v", err)
	}
	if n := e.count("POST "+tenantsRoute, "409") - before; n != 1 {
		t.Errorf("%d replayed refusals, want 1", n)
	}
}

// TestClient_giveUpSaysWhy: a call that ends with its context says whether it was
// interrupted or reached its deadline, after how many attempts, and what the last one got.
func TestClient_giveUpSaysWhy(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	c := e.client()
	list := "GET " + tenantsRoute
	e.fault(emulator.Fault{Route: list, Status: 503})

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := c.ListAzureTenants(ctx, client.ListAzureTenantsInput{})
	var gu *client.GiveUpError
	if !errors.As(err, &gu) || gu.Interrupted || gu.Attempts < 1 || !testutil.HasCode(gu.Last, client.CodeUnavailable) {
		t.Fatalf("deadline: %#v", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) || client.IsNotFound(err) {
		t.Errorf("deadline: errors.Is and Sent: %v", err)
	}

	interrupted, stop := context.WithCancel(context.Background())
	e.fault(emulator.Fault{Route: "POST " + tenantsRoute, Status: 503})
	done := make(chan error, 1)
	go func() {
		_, err := c.CreateAzureTenant(interrupted, input(tenantA, appA1, "s", "read"))
		done <- err
	}()
	e.waitForAnswer(t, "POST "+tenantsRoute)
	stop()
	err = <-done
	if !errors.As(err, &gu) || !gu.Interrupted || gu.Attempts < 1 || !errors.Is(err, context.Canceled) {
		t.Errorf("interrupted: %#v", err)
	}

	canceled, stopNow := context.WithCancel(context.Background())
	stopNow()
	_, err = c.GetAzureTenant(canceled, tenantA)
	if !errors.As(err, &gu) || gu.Attempts != 0 {
		t.Errorf("a call canceled before it started sent something: %v", err)
	}
}

// retries is a max retries setting.
func retries(n int) *int { return &n }
