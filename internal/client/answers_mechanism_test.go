package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
)

// These tests pin DESIGN.md's "Answers": a success is checked against the contract before it
// is used, whatever call brought it, and a list ends at 10,000 pages.

// validTenant is a connection as the contract has it, of tenantA.
func validTenant() map[string]any {
	return map[string]any{
		"tenant_id": tenantA, "name": "n", "application_id": appA1, "integration_mode": "read", "tags": []string{},
		"status": "active", "connected_at": "2026-11-26T10:00:00Z", "synchronization": map[string]any{"state": "pending"},
	}
}

// breaking returns validTenant with key set to v, or removed when v is nil.
func breaking(key string, v any) map[string]any {
	m := validTenant()
	if v == nil {
		delete(m, key)
	} else {
		m[key] = v
	}
	return m
}

// answeringWrites is a server whose token endpoint is the emulator's and whose create, update
// and list answer with a success holding body: a create and an update answer with body itself,
// a list with a page of it.
func answeringWrites(t *testing.T, body map[string]any) *client.Client {
	t.Helper()
	emu, err := emulator.New(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	write := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req-broken")
		w.WriteHeader(status)
		if err := json.NewEncoder(w).Encode(v); err != nil {
			t.Error(err)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("POST /oauth2/token", emu)
	mux.HandleFunc("POST "+tenantsRoute, func(w http.ResponseWriter, _ *http.Request) { write(w, http.StatusCreated, body) })
	mux.HandleFunc("PATCH "+tenantsRoute+"/{id}", func(w http.ResponseWriter, _ *http.Request) { write(w, http.StatusOK, body) })
	mux.HandleFunc("GET "+tenantsRoute, func(w http.ResponseWriter, _ *http.Request) {
		write(w, http.StatusOK, map[string]any{"items": []any{body}, "next_page_token": ""})
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	c, err := client.New(client.Config{URL: ts.URL, ClientID: emulator.DemoClientID, ClientSecret: emulator.DemoClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestClient_writeAndListAnswersAreChecked: the answer of a create, of an update and each
// connection of a list page is checked against the contract (the tenant asked for, every field
// present and well formed); one that fails is an *InvalidAnswerError and the call returns no
// connection. GetAzureTenant's answers are TestClient_answersAreChecked's.
func TestClient_writeAndListAnswersAreChecked(t *testing.T) {
	ctx := context.Background()
	name := "Renamed"
	calls := map[string]func(*client.Client) (any, error){
		"create": func(c *client.Client) (any, error) {
			return c.CreateAzureTenant(ctx, input(tenantA, appA1, "s", "read"))
		},
		"update": func(c *client.Client) (any, error) {
			return c.UpdateAzureTenant(ctx, tenantA, client.UpdateAzureTenantInput{Name: &name})
		},
		"list": func(c *client.Client) (any, error) {
			return c.ListAzureTenants(ctx, client.ListAzureTenantsInput{})
		},
	}
	for call, do := range calls {
		if got, err := do(answeringWrites(t, validTenant())); err != nil || got == nil {
			t.Fatalf("%s: a valid answer: %v, %v", call, got, err)
		}
	}
	broken := map[string]map[string]any{
		"no connected_at":        breaking("connected_at", nil),
		"malformed application":  breaking("application_id", "nope"),
		"no name":                breaking("name", nil),
		"unknown status":         breaking("status", "paused"),
		"unknown sync state":     breaking("synchronization", map[string]any{"state": "sleeping"}),
		"a tenant ID not a UUID": breaking("tenant_id", "tenant-a"),
	}
	for call, do := range calls {
		// A create and an update are about tenantA: an answer about another tenant breaks the
		// contract. A list is about no tenant in particular.
		cases := broken
		if call != "list" {
			cases = map[string]map[string]any{"another tenant": breaking("tenant_id", tenantB)}
			for k, v := range broken {
				cases[k] = v
			}
		}
		for what, body := range cases {
			got, err := do(answeringWrites(t, body))
			var invalid *client.InvalidAnswerError
			if !errors.As(err, &invalid) || invalid.RequestID != "req-broken" {
				t.Errorf("%s answered with %s: want an InvalidAnswerError with the request ID, got %v", call, what, err)
			}
			if !isNil(got) {
				t.Errorf("%s answered with %s: the call returned %+v along with its error", call, what, got)
			}
		}
	}
}

// isNil reports whether v, a pointer in an interface, is nil.
func isNil(v any) bool {
	switch p := v.(type) {
	case *client.AzureTenant:
		return p == nil
	case *client.AzureTenantPage:
		return p == nil
	}
	return v == nil
}

// TestClient_listStopsAt10000Pages: a server that gives a new page token with every page is
// read for 10,000 pages and no more, and the list ends with an error that says so.
func TestClient_listStopsAt10000Pages(t *testing.T) {
	emu, err := emulator.New(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var pages atomic.Int64
	mux := http.NewServeMux()
	mux.Handle("POST /oauth2/token", emu)
	mux.HandleFunc("GET "+tenantsRoute, func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `{"items":[],"next_page_token":"page-%d"}`, pages.Add(1))
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
	if n := pages.Load(); n != 10_000 {
		t.Errorf("%d pages read, want 10,000", n)
	}
	if last == nil || !strings.Contains(last.Error(), "10000 pages") {
		t.Errorf("the list ended with %v, want an error naming the 10000 pages", last)
	}
}

// TestClient_listStopsAtARepeatedPageToken: a server that gives a page token a second time
// would loop for ever; the list stops there, after reading that page once more. The server
// ends the caller's context past 50 pages, so that a client that does not stop fails the
// test at once instead of running until the test times out.
func TestClient_listStopsAtARepeatedPageToken(t *testing.T) {
	emu, err := emulator.New(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var pages atomic.Int64
	mux := http.NewServeMux()
	mux.Handle("POST /oauth2/token", emu)
	mux.HandleFunc("GET "+tenantsRoute, func(w http.ResponseWriter, _ *http.Request) {
		n := pages.Add(1)
		if n > 50 {
			cancel()
		}
		fmt.Fprintf(w, `{"items":[],"next_page_token":"page-%d"}`, min(n, 3))
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	c, err := client.New(client.Config{URL: ts.URL, ClientID: emulator.DemoClientID, ClientSecret: emulator.DemoClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	var last error
	for _, err := range c.AllAzureTenants(ctx, client.ListAzureTenantsInput{}) {
		last = err
	}
	if n := pages.Load(); n != 4 {
		t.Errorf("%d pages read, want 4: page-1, page-2, page-3 and page-3 again", n)
	}
	if last == nil || !strings.Contains(last.Error(), `"page-3" again`) {
		t.Errorf("the list ended with %v, want an error naming page-3 again", last)
	}
}
