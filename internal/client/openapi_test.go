package client_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
)

// conformance validates every request the client sends and every answer the emulator gives
// against openapi.yaml, and records which operation answered with which status.
type conformance struct {
	t      *testing.T
	router routers.Router
	mu     sync.Mutex
	seen   map[string]bool
}

func newConformance(t *testing.T, serverURL string) *conformance {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: serverURL}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &conformance{t: t, router: router, seen: map[string]bool{}}
}

func (c *conformance) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		var err error
		if reqBody, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		c.t.Errorf("%s %s: not in openapi.yaml: %v", req.Method, req.URL.Path, err)
		return http.DefaultTransport.RoundTrip(req)
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}
	check := req.Clone(req.Context())
	check.Body = io.NopCloser(bytes.NewReader(reqBody))
	in := &openapi3filter.RequestValidationInput{Request: check, PathParams: params, Route: route, Options: opts}
	// Requests that the test makes invalid on purpose are sent anyway, to see the answer.
	reqErr := openapi3filter.ValidateRequest(req.Context(), in)

	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: opts,
	}
	if err := openapi3filter.ValidateResponse(req.Context(), out); err != nil {
		c.t.Errorf("%s %s -> %d does not match openapi.yaml: %v\n%s", req.Method, req.URL.Path, resp.StatusCode, err, body)
	}
	if reqErr != nil && resp.StatusCode < 400 {
		c.t.Errorf("%s %s: a request outside openapi.yaml was accepted (%d): %v", req.Method, req.URL.Path, resp.StatusCode, reqErr)
	}
	c.mu.Lock()
	c.seen[req.Method+" "+route.Path+" "+http.StatusText(resp.StatusCode)] = true
	c.mu.Unlock()
	return resp, nil
}

func TestOpenAPI_emulatorConformsToTheDocument(t *testing.T) {
	e := newEnv(t, emulator.Options{Directory: directory(t)})
	conf := newConformance(t, e.url)
	c := e.client(func(c *client.Config) { c.Transport = conf; c.MaxRetries = retries(0) })
	viewer := e.client(func(c *client.Config) {
		c.Transport = conf
		c.ClientID, c.ClientSecret = emulator.DemoViewerID, emulator.DemoViewerSecret
	})
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	fails := func(err error) {
		t.Helper()
		if err == nil {
			t.Fatal("expected an error")
		}
	}

	in := input(tenantA, appA1, "good-secret", "read")
	in.Tags = []string{"b", "a"}
	_, err := c.CreateAzureTenant(ctx, in)
	must(err)
	_, err = c.CreateAzureTenant(ctx, input(tenantA, appA1, "x", "read"))
	fails(err) // 409 tenant_already_connected
	_, err = c.CreateAzureTenant(ctx, input(tenantB, appB1, "good-secret", "read"))
	fails(err) // 409 secret_in_use
	_, err = c.CreateAzureTenant(ctx, input(tenantB, appB1, "wrong", "read"))
	fails(err) // 422 azure_connection_failed
	_, err = c.CreateAzureTenant(ctx, client.CreateAzureTenantInput{Name: "", TenantID: "x"})
	fails(err) // 400
	_, err = viewer.CreateAzureTenant(ctx, input(tenantB, appB1, "second-secret", "read"))
	fails(err) // 403
	_, err = c.GetAzureTenant(ctx, tenantA)
	must(err)
	_, err = c.GetAzureTenant(ctx, tenantB)
	fails(err) // 404
	name := "New name"
	_, err = c.UpdateAzureTenant(ctx, tenantA, client.UpdateAzureTenantInput{Name: &name})
	must(err)
	app := appA2
	_, err = c.UpdateAzureTenant(ctx, tenantA, client.UpdateAzureTenantInput{ApplicationID: &app})
	fails(err) // 400 secret required
	secret := "no-consent-secret"
	_, err = c.UpdateAzureTenant(ctx, tenantA, client.UpdateAzureTenantInput{ApplicationID: &app, SecretValue: &secret})
	fails(err) // 422
	_, err = c.UpdateAzureTenant(ctx, tenantB, client.UpdateAzureTenantInput{Name: &name})
	fails(err) // 404
	_, err = c.CreateAzureTenant(ctx, input(tenantB, appB1, "second-secret", "read"))
	must(err)
	inUse := "second-secret"
	_, err = c.UpdateAzureTenant(ctx, tenantA, client.UpdateAzureTenantInput{SecretValue: &inUse})
	fails(err) // 409
	_, err = c.ListAzureTenants(ctx, client.ListAzureTenantsInput{PageSize: 1, Tags: []string{"a", "b"}, Status: "active", IntegrationMode: "read"})
	must(err)
	page, err := c.ListAzureTenants(ctx, client.ListAzureTenantsInput{PageSize: 1})
	must(err)
	_, err = c.ListAzureTenants(ctx, client.ListAzureTenantsInput{PageToken: page.NextPageToken})
	must(err)
	_, err = c.ListAzureTenants(ctx, client.ListAzureTenantsInput{PageToken: "forged"})
	fails(err) // 400
	for _, status := range []int{429, 500, 502, 503, 504} {
		e.fault(emulator.Fault{Route: "GET " + tenantsRoute, Status: status, RetryAfter: 1, Count: 1})
		_, err = c.ListAzureTenants(ctx, client.ListAzureTenantsInput{})
		fails(err)
	}
	e.emu.RevokeTokens()
	must(c.DeleteAzureTenant(ctx, tenantB))  // 401, new token, 204
	fails(c.DeleteAzureTenant(ctx, tenantB)) // 404

	// The token endpoint's refusals, and a replayed create, straight on the wire.
	hc := &http.Client{Transport: conf}
	for _, form := range []url.Values{
		{"grant_type": {"client_credentials"}, "client_id": {"x"}, "client_secret": {"y"}},
		{"grant_type": {"password"}},
	} {
		resp, err := hc.PostForm(e.url+"/oauth2/token", form)
		must(err)
		resp.Body.Close()
	}
	tok, err := hc.PostForm(e.url+"/oauth2/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {emulator.DemoClientID}, "client_secret": {emulator.DemoClientSecret}})
	must(err)
	var token struct {
		AccessToken string `json:"access_token"`
	}
	must(jsonDecode(tok.Body, &token))
	for range 2 {
		req, _ := http.NewRequest("POST", e.url+tenantsRoute, strings.NewReader(
			`{"name":"R","tenant_id":"`+tenantB+`","application_id":"`+appB1+`","secret_value":"second-secret","integration_mode":"read"}`))
		req.Header.Set("Authorization", "Bearer "+token.AccessToken)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "replayed")
		resp, err := hc.Do(req)
		must(err)
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Errorf("replayed create: %d", resp.StatusCode)
		}
	}

	// Reprocess, straight on the wire: a finished run (last_run_at, next_run_at), a new run,
	// the run under way, an unknown tenant and an inactive connection.
	reprocess := func(tenant string, want int) {
		t.Helper()
		req, _ := http.NewRequest("POST", e.url+tenantsRoute+"/"+tenant+"/reprocess", nil)
		req.Header.Set("Authorization", "Bearer "+token.AccessToken)
		resp, err := hc.Do(req)
		must(err)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("reprocess %s: %d, want %d", tenant, resp.StatusCode, want)
		}
	}
	e.clock.Advance(time.Minute)
	_, err = c.GetAzureTenant(ctx, tenantA)
	must(err)
	reprocess(tenantA, http.StatusAccepted)
	reprocess(tenantA, http.StatusAccepted)
	reprocess("33333333-3333-4333-8333-333333333333", http.StatusNotFound)
	inactive := client.StatusInactive
	_, err = c.UpdateAzureTenant(ctx, tenantB, client.UpdateAzureTenantInput{Status: &inactive})
	must(err)
	reprocess(tenantB, http.StatusConflict)

	want := []string{
		"POST /oauth2/token OK", "POST /oauth2/token Unauthorized", "POST /oauth2/token Bad Request",
		"GET /api/cloud-entitlements/v1/azure/tenants OK",
		"GET /api/cloud-entitlements/v1/azure/tenants Bad Request",
		"GET /api/cloud-entitlements/v1/azure/tenants Too Many Requests",
		"GET /api/cloud-entitlements/v1/azure/tenants Internal Server Error",
		"GET /api/cloud-entitlements/v1/azure/tenants Bad Gateway",
		"GET /api/cloud-entitlements/v1/azure/tenants Service Unavailable",
		"GET /api/cloud-entitlements/v1/azure/tenants Gateway Timeout",
		"POST /api/cloud-entitlements/v1/azure/tenants Created",
		"POST /api/cloud-entitlements/v1/azure/tenants Bad Request",
		"POST /api/cloud-entitlements/v1/azure/tenants Forbidden",
		"POST /api/cloud-entitlements/v1/azure/tenants Conflict",
		"POST /api/cloud-entitlements/v1/azure/tenants Unprocessable Entity",
		"GET /api/cloud-entitlements/v1/azure/tenants/{tenant_id} OK",
		"GET /api/cloud-entitlements/v1/azure/tenants/{tenant_id} Not Found",
		"PATCH /api/cloud-entitlements/v1/azure/tenants/{tenant_id} OK",
		"PATCH /api/cloud-entitlements/v1/azure/tenants/{tenant_id} Bad Request",
		"PATCH /api/cloud-entitlements/v1/azure/tenants/{tenant_id} Not Found",
		"PATCH /api/cloud-entitlements/v1/azure/tenants/{tenant_id} Conflict",
		"PATCH /api/cloud-entitlements/v1/azure/tenants/{tenant_id} Unprocessable Entity",
		"DELETE /api/cloud-entitlements/v1/azure/tenants/{tenant_id} No Content",
		"DELETE /api/cloud-entitlements/v1/azure/tenants/{tenant_id} Not Found",
		"DELETE /api/cloud-entitlements/v1/azure/tenants/{tenant_id} Unauthorized",
		"POST /api/cloud-entitlements/v1/azure/tenants/{tenant_id}/reprocess Accepted",
		"POST /api/cloud-entitlements/v1/azure/tenants/{tenant_id}/reprocess Not Found",
		"POST /api/cloud-entitlements/v1/azure/tenants/{tenant_id}/reprocess Conflict",
	}
	for _, w := range want {
		if !conf.seen[w] {
			t.Errorf("not exercised: %s", w)
		}
	}
	if t.Failed() {
		var seen []string
		for k := range conf.seen {
			seen = append(seen, k)
		}
		slices.Sort(seen)
		t.Logf("exercised:\n%s", strings.Join(seen, "\n"))
	}
}

// TestOpenAPI_awsAccountsConformToTheDocument: every operation of the AWS accounts'
// collection, with each status the emulator gives it, straight on the wire, against
// openapi.yaml.
func TestOpenAPI_awsAccountsConformToTheDocument(t *testing.T) {
	const (
		accounts = "/api/cloud-entitlements/v1/aws/accounts"
		account1 = "111122223333"
		account2 = "444455556666"
		direct   = `"access_key_id":"AKIADIRECTREADER0001","secret_access_key":"DirectReader/Secret+Key/0000000000000000"`
		root     = `"access_key_id":"AKIAROOTKEY000000001","secret_access_key":"RootKey/Secret+Key/000000000000000000000"`
		other    = `"access_key_id":"AKIAOTHERACCOUNT0001","secret_access_key":"OtherAccount/Secret+Key/0000000000000000"`
		group    = `"access_key_id":"AKIAGROUPREADER00001"`
		wrong    = `"secret_access_key":"Wrong/Secret+Key/00000000000000000000000"`
	)
	awsDir, err := emulator.LoadAWSDirectory("../emulator/testdata/aws.json")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, emulator.Options{AWS: awsDir})
	conf := newConformance(t, e.url)
	hc := &http.Client{Transport: conf}
	token := func(id, secret string) string {
		t.Helper()
		resp, err := hc.PostForm(e.url+"/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}})
		if err != nil {
			t.Fatal(err)
		}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err := jsonDecode(resp.Body, &tok); err != nil {
			t.Fatal(err)
		}
		return tok.AccessToken
	}
	admin, viewer := token(emulator.DemoClientID, emulator.DemoClientSecret), token(emulator.DemoViewerID, emulator.DemoViewerSecret)
	call := func(tok, method, path, body string, want int, header ...string) {
		t.Helper()
		var r io.Reader
		if body != "" {
			r = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, e.url+path, r)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != want {
			t.Errorf("%s %s %s: %d %s (%v), want %d", method, path, body, resp.StatusCode, b, err, want)
		}
	}
	item := accounts + "/" + account1

	call(admin, "POST", accounts, `{"name":"P",`+direct+`,"tags":["b","a"]}`, http.StatusCreated, "Idempotency-Key", "k")
	call(admin, "POST", accounts, `{"name":"P",`+direct+`,"tags":["b","a"]}`, http.StatusCreated, "Idempotency-Key", "k") // replayed
	call(admin, "POST", accounts, `{"name":"P",`+root+`}`, http.StatusConflict)                                           // already_connected
	call(admin, "POST", accounts, `{"name":"P","access_key_id":"AKIAOTHERACCOUNT0001",`+wrong+`}`, http.StatusUnprocessableEntity)
	call(admin, "POST", accounts, `{"name":"",`+other+`}`, http.StatusBadRequest)
	call(viewer, "POST", accounts, `{"name":"P",`+other+`}`, http.StatusForbidden)
	call(admin, "GET", item, "", http.StatusOK)
	call(admin, "GET", accounts+"/"+account2, "", http.StatusNotFound)
	call(admin, "PATCH", item, `{"name":"New name","account_id":"`+account1+`"}`, http.StatusOK)
	call(admin, "PATCH", item, `{`+group+`}`, http.StatusBadRequest) // the secret is required with the key ID
	call(admin, "PATCH", item, `{`+group+`,`+wrong+`}`, http.StatusUnprocessableEntity)
	call(admin, "PATCH", item, `{`+other+`}`, http.StatusBadRequest) // other_account
	call(admin, "PATCH", accounts+"/"+account2, `{"name":"x"}`, http.StatusNotFound)
	call(admin, "POST", accounts, `{"name":"P",`+other+`}`, http.StatusCreated)
	call(admin, "PATCH", accounts+"/"+account2, `{`+direct+`}`, http.StatusConflict) // credential_in_use
	call(admin, "GET", accounts+"?page_size=1&status=active&tag=a&tag=b", "", http.StatusOK)
	call(admin, "GET", accounts+"?page_size=1&page_token=MTExMTIyMjIzMzMz", "", http.StatusOK) // after 111122223333
	call(admin, "GET", accounts+"?page_token=forged", "", http.StatusBadRequest)
	for _, status := range []int{429, 500, 502, 503, 504} {
		e.fault(emulator.Fault{Route: "GET " + accounts, Status: status, RetryAfter: 1, Count: 1})
		call(admin, "GET", accounts, "", status)
	}
	e.clock.Advance(time.Minute)
	call(admin, "POST", item+"/reprocess", "", http.StatusAccepted)
	call(admin, "POST", item+"/reprocess", "", http.StatusAccepted)
	call(admin, "POST", accounts+"/999988887777/reprocess", "", http.StatusNotFound)
	call(admin, "PATCH", item, `{"status":"inactive"}`, http.StatusOK)
	call(admin, "POST", item+"/reprocess", "", http.StatusConflict)
	e.emu.RevokeTokens()
	call(admin, "DELETE", accounts+"/"+account2, "", http.StatusUnauthorized)
	admin = token(emulator.DemoClientID, emulator.DemoClientSecret)
	call(admin, "DELETE", accounts+"/"+account2, "", http.StatusNoContent)
	call(admin, "DELETE", accounts+"/"+account2, "", http.StatusNotFound)

	const p = "/api/cloud-entitlements/v1/aws/accounts"
	want := []string{
		"GET " + p + " OK", "GET " + p + " Bad Request", "GET " + p + " Too Many Requests",
		"GET " + p + " Internal Server Error", "GET " + p + " Bad Gateway", "GET " + p + " Service Unavailable",
		"GET " + p + " Gateway Timeout",
		"POST " + p + " Created", "POST " + p + " Bad Request", "POST " + p + " Forbidden", "POST " + p + " Conflict",
		"POST " + p + " Unprocessable Entity",
		"GET " + p + "/{account_id} OK", "GET " + p + "/{account_id} Not Found",
		"PATCH " + p + "/{account_id} OK", "PATCH " + p + "/{account_id} Bad Request", "PATCH " + p + "/{account_id} Not Found",
		"PATCH " + p + "/{account_id} Conflict", "PATCH " + p + "/{account_id} Unprocessable Entity",
		"DELETE " + p + "/{account_id} No Content", "DELETE " + p + "/{account_id} Not Found",
		"DELETE " + p + "/{account_id} Unauthorized",
		"POST " + p + "/{account_id}/reprocess Accepted", "POST " + p + "/{account_id}/reprocess Not Found",
		"POST " + p + "/{account_id}/reprocess Conflict",
	}
	for _, w := range want {
		if !conf.seen[w] {
			t.Errorf("not exercised: %s", w)
		}
	}
}
