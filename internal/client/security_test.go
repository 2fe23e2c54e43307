package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
)

const azureSecret = "azure-secret-9f8e7d6c5b4a"

// elsewhere is a second listener that records everything it is sent.
type elsewhere struct {
	mu  sync.Mutex
	got []string
	url string
}

func newElsewhere(t *testing.T) *elsewhere {
	e := &elsewhere{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
		}
		e.mu.Lock()
		e.got = append(e.got, fmt.Sprint(r.Method, " ", r.URL, " ", r.Header, " ", string(body)))
		e.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(ts.Close)
	e.url = ts.URL
	return e
}

func (e *elsewhere) requests() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.got...)
}

// redirecting answers route with a 307 to target, and passes everything else to next.
func redirecting(route, target string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method+" "+r.URL.Path == route {
			http.Redirect(w, r, target, http.StatusTemporaryRedirect)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func TestClient_redirectsAreNeverFollowed(t *testing.T) {
	for _, route := range []string{"POST /oauth2/token", "POST " + tenantsRoute} {
		t.Run(route, func(t *testing.T) {
			other := newElsewhere(t)
			emu, err := emulator.New(emulator.Options{})
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(redirecting(route, other.url+"/stolen", emu))
			t.Cleanup(ts.Close)
			c, err := client.New(client.Config{URL: ts.URL, ClientID: emulator.DemoClientID, ClientSecret: emulator.DemoClientSecret})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.CreateAzureTenant(context.Background(), input(tenantA, appA1, azureSecret, "read"))
			status := 0
			var te *client.TokenError
			if apiErr, ok := client.AsAPIError(err); ok {
				status = apiErr.StatusCode
			} else if errors.As(err, &te) {
				status = te.StatusCode
			}
			if status != http.StatusTemporaryRedirect || !strings.Contains(err.Error(), other.url+"/stolen") {
				t.Errorf("want a 307 error naming the Location, got %v", err)
			}
			if got := other.requests(); len(got) != 0 {
				t.Errorf("the redirect was followed: %q", got)
			}
		})
	}
}

func TestCheckURL_httpsUnlessLoopback(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://acme.segura.security":     true,
		"http://127.0.0.1:8080":            true,
		"http://127.3.2.1":                 true,
		"http://localhost:8080":            true,
		"http://[::1]:8080":                true,
		"http://segura.example.test":       false,
		"http://10.0.0.5":                  false,
		"http://127.0.0.1.example.test":    false,
		"https://user:pw@segura.example":   false,
		"ftp://acme.segura.security":       false,
		"acme.segura.security":             false,
		"http://localhost.example.test:80": false,
	} {
		if err := client.CheckURL(raw); (err == nil) != ok {
			t.Errorf("CheckURL(%q) = %v, want ok=%v", raw, err, ok)
		}
	}
	if _, err := client.New(client.Config{URL: "http://segura.example.test", ClientID: "a", ClientSecret: "b"}); err == nil {
		t.Error("client.New accepted plain http to another machine")
	}
}

// echoing answers every API request and token request with an error that repeats the
// request: its form, body and Authorization header, in every place an error can hold text.
// echoing answers status with an echo of the request; the token endpoint echoes too, unless
// tokenOK, when it gives a token so that the API's own answer is the one echoed.
func echoing(status int, plain, tokenOK bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tokenOK && r.URL.Path == "/oauth2/token" {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"access_token":"token-of-the-echo","token_type":"Bearer","expires_in":3600}`)
			return
		}
		raw, _ := io.ReadAll(r.Body) // echoing is all this handler does
		echo := fmt.Sprintf("you sent %s %s %q", r.Header.Get("Authorization"), r.URL, raw)
		w.Header().Set("X-Request-Id", "req-echo")
		if plain {
			w.WriteHeader(status)
			fmt.Fprint(w, echo)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		var body any = map[string]any{"error": map[string]any{
			"code": "validation_failed", "message": echo, "request_id": "req-echo",
			"details": []map[string]any{{"field": echo, "reason": echo, "message": echo, "missing": []string{echo}}},
		}}
		if r.URL.Path == "/oauth2/token" {
			body = map[string]any{"error": "invalid_client", "error_description": echo}
		}
		_ = json.NewEncoder(w).Encode(body) // nobody reads the write error of an echo
	})
}

func TestClient_echoedSecretsAreMasked(t *testing.T) {
	const clientSecret = "client-secret-0a1b2c3d4e"
	for _, status := range []int{400, 401, 422, 500} {
		for _, plain := range []bool{false, true} {
			for _, tokenOK := range []bool{false, true} {
				echoedSecrets(t, clientSecret, status, plain, tokenOK)
			}
		}
	}
}

// echoedSecrets checks one echo of TestClient_echoedSecretsAreMasked.
func echoedSecrets(t *testing.T, clientSecret string, status int, plain, tokenOK bool) {
	t.Helper()
	ts := httptest.NewServer(echoing(status, plain, tokenOK))
	defer ts.Close()
	c, err := client.New(client.Config{URL: ts.URL, ClientID: "id", ClientSecret: clientSecret, MaxRetries: retries(1),
		RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = c.CreateAzureTenant(ctx, input(tenantA, appA1, azureSecret, "read"))
	_, isAPI := client.AsAPIError(err)
	if err == nil || isAPI != tokenOK {
		t.Fatalf("%d plain=%v tokenOK=%v: want an error of the %s, got %v", status, plain, tokenOK,
			map[bool]string{false: "token request", true: "API"}[tokenOK], err)
	}
	for _, secret := range []string{clientSecret, azureSecret} {
		if strings.Contains(err.Error(), secret) || strings.Contains(fmt.Sprintf("%+v", err), secret) {
			t.Errorf("%d plain=%v tokenOK=%v: the error shows a secret: %v", status, plain, tokenOK, err)
		}
	}
}

// answering serves GET /azure/tenants/{id} with body and the token endpoint of the emulator.
func answering(t *testing.T, body string) *client.Client {
	emu, err := emulator.New(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /oauth2/token", emu)
	mux.HandleFunc("GET "+tenantsRoute+"/{id}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Request-Id", "req-bad")
		fmt.Fprint(w, body)
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	c, err := client.New(client.Config{URL: ts.URL, ClientID: emulator.DemoClientID, ClientSecret: emulator.DemoClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClient_answersAreChecked(t *testing.T) {
	valid := map[string]any{
		"tenant_id": tenantA, "name": "n", "application_id": appA1, "integration_mode": "read", "tags": []string{},
		"status": "active", "connected_at": "2026-11-26T10:00:00Z", "synchronization": map[string]any{"state": "pending"},
	}
	with := func(k string, v any) string {
		m := map[string]any{}
		for key, val := range valid {
			m[key] = val
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if _, err := answering(t, with("name", "n")).GetAzureTenant(context.Background(), tenantA); err != nil {
		t.Fatalf("a valid answer: %v", err)
	}
	// A broken answer that echoes the client secret in the field it gets wrong.
	_, err := answering(t, with("application_id", emulator.DemoClientSecret)).GetAzureTenant(context.Background(), tenantA)
	var echoed *client.InvalidAnswerError
	if !errors.As(err, &echoed) || strings.Contains(err.Error(), emulator.DemoClientSecret) {
		t.Errorf("the client secret echoed in an answer shows in the error: %v", err)
	}
	for name, body := range map[string]string{
		"another tenant":        with("tenant_id", tenantB),
		"no tenant_id":          with("tenant_id", nil),
		"no application_id":     with("application_id", nil),
		"malformed application": with("application_id", "nope"),
		"no name":               with("name", nil),
		"unknown mode":          with("integration_mode", "write"),
		"no status":             with("status", nil),
		"no connected_at":       with("connected_at", nil),
		"unknown sync state":    with("synchronization", map[string]any{"state": "sleeping"}),
		"an empty tag":          with("tags", []string{""}),
	} {
		_, err := answering(t, body).GetAzureTenant(context.Background(), tenantA)
		var invalid *client.InvalidAnswerError
		if !errors.As(err, &invalid) || invalid.RequestID != "req-bad" {
			t.Errorf("%s: want an InvalidAnswerError with the request ID, got %v", name, err)
		}
	}
}

func TestClient_largeAnswersAreRefused(t *testing.T) {
	emu, err := emulator.New(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	written := 0
	mux := http.NewServeMux()
	mux.Handle("POST /oauth2/token", emu)
	mux.HandleFunc("GET "+tenantsRoute+"/{id}", func(w http.ResponseWriter, _ *http.Request) {
		chunk := []byte(strings.Repeat("x", 64<<10))
		for range 100 << 20 / len(chunk) { // 100 MiB, without a Content-Length
			if _, err := w.Write(chunk); err != nil {
				return // the client hung up
			}
			mu.Lock()
			written += len(chunk)
			mu.Unlock()
		}
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	c, err := client.New(client.Config{URL: ts.URL, ClientID: emulator.DemoClientID, ClientSecret: emulator.DemoClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetAzureTenant(context.Background(), tenantA)
	if err == nil || !strings.Contains(err.Error(), "larger than 4 MiB") {
		t.Errorf("want the size limit, got %v", err)
	}
	ts.CloseClientConnections()
	mu.Lock()
	defer mu.Unlock()
	if written > 16<<20 {
		t.Errorf("the server could write %d MiB before the client hung up", written>>20)
	}
}

func TestClient_loopingPagesStop(t *testing.T) {
	emu, err := emulator.New(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pages := 0
	mux := http.NewServeMux()
	mux.Handle("POST /oauth2/token", emu)
	mux.HandleFunc("GET "+tenantsRoute, func(w http.ResponseWriter, _ *http.Request) {
		pages++
		fmt.Fprintf(w, `{"items":[],"next_page_token":"page-%d"}`, min(pages, 3))
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	c, err := client.New(client.Config{URL: ts.URL, ClientID: emulator.DemoClientID, ClientSecret: emulator.DemoClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	var last error
	for _, err := range c.AllAzureTenants(context.Background(), client.ListAzureTenantsInput{}) {
		last = err
	}
	if last == nil || !strings.Contains(last.Error(), `"page-3" again`) || pages != 4 {
		t.Errorf("after %d pages: %v", pages, last)
	}
}

func TestCheckBaseURL_refusesTheAPIPath(t *testing.T) {
	for raw, want := range map[string]string{
		"https://acme.segura.security":                                    "",
		"https://acme.segura.security/":                                   "",
		"https://acme.segura.security/segura":                             "",
		"https://acme.segura.security/api/cloud-entitlements/v1":          "https://acme.segura.security",
		"https://acme.segura.security/API/Cloud-Entitlements/v1/azure":    "https://acme.segura.security",
		"https://acme.segura.security/tenant-a/api/cloud-entitlements":    "https://acme.segura.security/tenant-a",
		"https://acme.segura.security/oauth2/token":                       "https://acme.segura.security",
		"http://127.0.0.1:8080/api/cloud-entitlements/v1/azure/tenants?x": "http://127.0.0.1:8080",
	} {
		err := client.CheckBaseURL(raw)
		switch {
		case want == "" && err != nil:
			t.Errorf("CheckBaseURL(%q) = %v, want ok", raw, err)
		case want != "" && (err == nil || !strings.HasSuffix(err.Error(), "give the base URL only: "+want)):
			t.Errorf("CheckBaseURL(%q) = %v, want the base URL %s", raw, err, want)
		}
	}
}
