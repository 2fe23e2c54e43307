package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
	"github.com/segura/terraform-provider-segura/internal/testutil"
)

// TestClient_errorValuesKeepWhatTheServerSent: a secret that occurs inside an answer's reason
// (a short one can) is masked in the error's text only; the reason, which the code decides
// on, stays as the server sent it.
func TestClient_errorValuesKeepWhatTheServerSent(t *testing.T) {
	const secret = "ng_ro" // inside missing_role
	emu, err := emulator.New(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /oauth2/token", emu)
	mux.HandleFunc("POST "+tenantsRoute, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprintf(w, `{"error":{"code":"azure_connection_failed","message":"refused %s","details":[{"reason":"missing_role","missing":["Reader"]}]}}`, secret)
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	c, err := client.New(client.Config{URL: ts.URL, ClientID: emulator.DemoClientID, ClientSecret: emulator.DemoClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateAzureTenant(context.Background(), input(tenantA, appA1, secret, "read"))
	if !testutil.HasAzureFailure(err, client.ReasonMissingRole) {
		t.Errorf("the reason was changed: %#v", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("the error's text shows the secret: %s", err)
	}
}

// TestClient_maxRetriesHasOneMeaning: MaxRetries is the most retries of a request, 0 none;
// nil retries until the call's deadline.
func TestClient_maxRetriesHasOneMeaning(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	get := "GET " + tenantsRoute + "/{tenant_id}"
	e.fault(emulator.Fault{Route: get, Status: http.StatusServiceUnavailable})
	for _, n := range []int{0, 2} {
		before := e.count(get, "503")
		_, err := e.client(func(c *client.Config) { c.MaxRetries = retries(n) }).GetAzureTenant(context.Background(), tenantA)
		if got := e.count(get, "503") - before; got != n+1 || !testutil.HasCode(err, client.CodeUnavailable) {
			t.Errorf("MaxRetries %d: %d attempts, want %d (%v)", n, got, n+1, err)
		}
	}
	before := e.count(get, "503")
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := e.client().GetAzureTenant(ctx, tenantA)
	var gu *client.GiveUpError
	if got := e.count(get, "503") - before; got < 5 || !errors.As(err, &gu) {
		t.Errorf("MaxRetries nil: %d attempts before the deadline (%v); want retries until it", got, err)
	}
	if _, err := client.New(client.Config{URL: e.url, ClientID: "a", ClientSecret: "b", MaxRetries: retries(-1)}); err == nil {
		t.Error("a negative MaxRetries is accepted")
	}
}
