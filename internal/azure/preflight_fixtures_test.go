package azure_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/segura/terraform-provider-segura/internal/azure"
)

// The tenant and application of the fixtures in testdata/entra, and a tenant and an
// application that the fake Entra ID does not know.
const (
	fixtureTenant = "5f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44"
	fixtureApp    = "0b7c9e2d-8a41-4f63-b5d0-7e3f1c2a9b88"
	unknownTenant = "3a4b5c6d-7e8f-4a0b-9c1d-2e3f4a5b6c7d"
	unknownApp    = "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f"
	fixtureDir    = "testdata/entra"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// accessToken makes a JWT of the fixture's claims. Its signature is not a real one: the
// pre-flight only reads the claims of a token that came straight from Entra ID over TLS.
func accessToken(t *testing.T) string {
	enc := base64.RawURLEncoding.EncodeToString
	header := enc([]byte(`{"typ":"JWT","alg":"RS256","kid":"fixture"}`))
	return header + "." + enc(fixture(t, "access-token-claims.json")) + "." + enc([]byte("not a signature"))
}

// fixtureEntra is a fake Entra ID that answers with the fixtures: the client secret chooses
// the failure, an unknown application or tenant gets Entra ID's answer for it.
func fixtureEntra(t *testing.T) azure.Preflight {
	t.Helper()
	send := func(w http.ResponseWriter, status int, body []byte) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		if _, err := w.Write(body); err != nil {
			t.Error(err)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		tenant := r.PathValue("tenant")
		if tenant == unknownTenant {
			send(w, http.StatusBadRequest, fixture(t, "aadsts90002.json"))
			return
		}
		base := "https://" + r.Host + "/" + tenant
		doc, err := json.Marshal(map[string]any{
			"issuer": base + "/v2.0", "token_endpoint": base + "/oauth2/v2.0/token",
			"authorization_endpoint": base + "/oauth2/v2.0/authorize",
		})
		if err != nil {
			t.Error(err)
		}
		send(w, http.StatusOK, doc)
	})
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		if r.PostForm.Get("client_id") == unknownApp {
			send(w, http.StatusBadRequest, fixture(t, "aadsts700016.json"))
			return
		}
		switch r.PostForm.Get("client_secret") {
		case "wrong":
			send(w, http.StatusUnauthorized, fixture(t, "aadsts7000215.json"))
		case "expired":
			send(w, http.StatusUnauthorized, fixture(t, "aadsts7000222.json"))
		case "bad-scope":
			send(w, http.StatusBadRequest, fixture(t, "aadsts70011.json"))
		default:
			body, err := json.Marshal(map[string]any{
				"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": accessToken(t),
			})
			if err != nil {
				t.Error(err)
			}
			send(w, http.StatusOK, body)
		}
	})
	ts := httptest.NewTLSServer(mux)
	t.Cleanup(ts.Close)
	// Graph too is this server (which serves no app role assignments): the pre-flight sends
	// nothing beyond loopback.
	return azure.Preflight{AuthorityHost: ts.URL + "/", GraphEndpoint: ts.URL, Transport: ts.Client()}
}

// TestPreflight_againstEntraIDFormats checks the pre-flight against answers in Entra ID's own
// formats: error bodies with error_codes, and an access token whose roles claim lists the
// granted application permissions.
func TestPreflight_againstEntraIDFormats(t *testing.T) {
	p := fixtureEntra(t)
	ctx := context.Background()
	checkPreflight(t, p, []preflightCase{
		{"roles cover the read mode", fixtureTenant, fixtureApp, "good", "read", "", 0, nil},
		{"roles lack the read_write permissions", fixtureTenant, fixtureApp, "good", "read_write", azure.ReasonMissingPermissions, 0,
			[]string{"Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "RoleManagement.ReadWrite.Directory"}},
		{"wrong secret", fixtureTenant, fixtureApp, "wrong", "read", azure.ReasonInvalidClientSecret, 7000215, nil},
		{"expired secret", fixtureTenant, fixtureApp, "expired", "read", azure.ReasonInvalidClientSecret, 7000222, nil},
		{"unknown application", fixtureTenant, unknownApp, "good", "read", azure.ReasonApplicationNotFound, 700016, nil},
		{"unknown tenant", unknownTenant, fixtureApp, "good", "read", azure.ReasonTenantNotFound, 90002, nil},
	})

	// An Entra ID error that says nothing about the credentials is not a Failure: the caller
	// warns and lets Segura verify.
	err := p.Check(ctx, fixtureTenant, fixtureApp, "bad-scope", "read")
	var f *azure.Failure
	if err == nil || errors.As(err, &f) {
		t.Errorf("AADSTS70011: want a plain error, got %v", err)
	}
}
