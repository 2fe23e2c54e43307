package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/segura/terraform-provider-segura/internal/client"
)

// TestTokenEndpoint_notOne: answers that no OAuth 2.0 token endpoint gives (the likely sign
// of a url with a path, or of another service) are told apart from refused credentials, and
// name the URL that was called.
func TestTokenEndpoint_notOne(t *testing.T) {
	cases := map[string]func(w http.ResponseWriter){
		"404": func(w http.ResponseWriter) { http.NotFound(w, nil) },
		"405": func(w http.ResponseWriter) { w.WriteHeader(http.StatusMethodNotAllowed) },
		"HTML page": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusForbidden)
		},
		"no token": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{}`))
		},
		"HTML at 200": func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html></html>"))
		},
	}
	for name, answer := range cases {
		t.Run(name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { answer(w) }))
			t.Cleanup(ts.Close)
			c, err := client.New(client.Config{URL: ts.URL + "/segura", ClientID: "id", ClientSecret: "secret", MaxRetries: retries(0)})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetAzureTenant(context.Background(), tenantA)
			var te *client.TokenError
			if !errors.As(err, &te) || te.Code != client.CodeNotATokenEndpoint || te.URL != ts.URL+"/segura/oauth2/token" {
				t.Errorf("got %v; want %s naming %s", err, client.CodeNotATokenEndpoint, ts.URL+"/segura/oauth2/token")
			}
		})
	}
}
