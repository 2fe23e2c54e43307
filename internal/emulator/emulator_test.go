package emulator

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"golang.org/x/crypto/argon2"

	"github.com/segura/terraform-provider-segura/internal/testutil"
)

const (
	tenantA = "11111111-1111-4111-8111-111111111111"
	tenantB = "22222222-2222-4222-8222-222222222222"
	appA1   = "aaaaaaaa-0000-4000-8000-000000000001"
	appA2   = "aaaaaaaa-0000-4000-8000-000000000002"
	appA3   = "aaaaaaaa-0000-4000-8000-000000000003"
	appB1   = "bbbbbbbb-0000-4000-8000-000000000001"
)

type harness struct {
	t     *testing.T
	srv   *Server
	ts    *httptest.Server
	clock *clockwork.FakeClock
	token string
}

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	opts.Clock = clock
	if opts.TokenLifetime == 0 {
		opts.TokenLifetime = 1000 * time.Hour
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	h := &harness{t: t, srv: srv, ts: ts, clock: clock}
	h.token = h.getToken(url.Values{"grant_type": {"client_credentials"}, "client_id": {DemoClientID}, "client_secret": {DemoClientSecret}}, http.StatusOK)
	return h
}

// blockUntilWaiting returns once n requests wait on the emulator's clock, and fails the test
// if that does not happen within a minute (a hang, not a slow machine).
func (h *harness) blockUntilWaiting(n int) { testutil.BlockUntilWaiting(h.t, h.clock, n) }

func withDirectory(t *testing.T) Options {
	d, err := LoadDirectory("testdata/directory.json")
	if err != nil {
		t.Fatal(err)
	}
	return Options{Directory: d}
}

func (h *harness) getToken(form url.Values, want int) string {
	h.t.Helper()
	status, _, body := h.postTokenForm(form)
	if status != want {
		h.t.Fatalf("token: status %d, want %d: %v", status, want, body)
	}
	tok, _ := body["access_token"].(string)
	return tok
}

type answer struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (a answer) errCode() string {
	e, _ := a.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func (a answer) details() []map[string]any {
	e, _ := a.body["error"].(map[string]any)
	ds, _ := e["details"].([]any)
	var out []map[string]any
	for _, d := range ds {
		out = append(out, d.(map[string]any))
	}
	return out
}

func (a answer) hasDetail(field, reason string) bool {
	return slices.ContainsFunc(a.details(), func(d map[string]any) bool {
		return d["field"] == field && d["reason"] == reason
	})
}

func (h *harness) do(method, path string, body any, header ...string) answer {
	h.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, h.ts.URL+path, r)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	// Every answer with a body is a JSON object; 204 and the like have none.
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &a.body); err != nil {
			h.t.Fatalf("%s %s: the answer is not a JSON object: %v: %s", method, path, err, raw)
		}
	}
	if resp.Header.Get("X-Request-Id") == "" {
		h.t.Errorf("%s %s: no X-Request-Id", method, path)
	}
	if resp.StatusCode >= 300 && resp.StatusCode != http.StatusUnauthorized || a.errCode() != "" {
		e, _ := a.body["error"].(map[string]any)
		if e["request_id"] != resp.Header.Get("X-Request-Id") {
			h.t.Errorf("%s %s: request_id %v differs from header %s", method, path, e["request_id"], resp.Header.Get("X-Request-Id"))
		}
	}
	return a
}

func tenantBody(tenant, app, secret, mode string) map[string]any {
	return map[string]any{"name": "Production", "tenant_id": tenant, "application_id": app,
		"secret_value": secret, "integration_mode": mode}
}

func (h *harness) mustCreate(body map[string]any) answer {
	h.t.Helper()
	a := h.do("POST", tenantsPath, body)
	if a.status != http.StatusCreated {
		h.t.Fatalf("create: %d %s", a.status, a.raw)
	}
	return a
}

func TestToken_credentials(t *testing.T) {
	h := newHarness(t, Options{})
	h.getToken(url.Values{"grant_type": {"client_credentials"}, "client_id": {DemoClientID}, "client_secret": {"wrong"}}, http.StatusUnauthorized)
	h.getToken(url.Values{"grant_type": {"password"}, "client_id": {DemoClientID}, "client_secret": {DemoClientSecret}}, http.StatusBadRequest)

	req, err := http.NewRequest("POST", h.ts.URL+tokenPath, strings.NewReader("grant_type=client_credentials"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(DemoClientID, DemoClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("HTTP Basic credentials: status %d", resp.StatusCode)
	}
}

func TestAuth_missingAndExpiredTokens(t *testing.T) {
	h := newHarness(t, Options{TokenLifetime: time.Minute})
	if a := h.do("GET", tenantsPath, nil); a.status != http.StatusOK {
		t.Fatalf("fresh token: %d", a.status)
	}
	h.clock.Advance(61 * time.Second)
	if a := h.do("GET", tenantsPath, nil); a.status != http.StatusUnauthorized || a.errCode() != codeUnauthorized {
		t.Errorf("expired token: %d %s", a.status, a.raw)
	}
	h.token = h.getToken(url.Values{"grant_type": {"client_credentials"}, "client_id": {DemoViewerID}, "client_secret": {DemoViewerSecret}}, http.StatusOK)
	if a := h.do("GET", tenantsPath, nil); a.status != http.StatusOK {
		t.Errorf("viewer reads: %d", a.status)
	}
	if a := h.do("POST", tenantsPath, tenantBody(tenantA, appA1, "s", "read")); a.status != http.StatusForbidden || a.errCode() != codeForbidden {
		t.Errorf("viewer creates: %d %s", a.status, a.raw)
	}
	h.token = "made-up"
	if a := h.do("GET", tenantsPath, nil); a.status != http.StatusUnauthorized {
		t.Errorf("unknown token: %d", a.status)
	}
}

func TestCreate_normalizesAndHidesSecret(t *testing.T) {
	h := newHarness(t, Options{})
	body := tenantBody(strings.ToUpper(tenantA), strings.ToUpper(appA1), "very-secret-value", "read")
	body["tags"] = []string{"prod", "finance"}
	a := h.mustCreate(body)
	if a.body["tenant_id"] != tenantA || a.body["application_id"] != appA1 {
		t.Errorf("IDs not lowercased: %s", a.raw)
	}
	if fmt.Sprint(a.body["tags"]) != "[finance prod]" {
		t.Errorf("tags not sorted: %v", a.body["tags"])
	}
	if a.body["status"] != "active" {
		t.Errorf("default status: %v", a.body["status"])
	}
	if bytes.Contains(a.raw, []byte("very-secret-value")) || bytes.Contains(a.raw, []byte("secret_value")) {
		t.Errorf("the answer shows the secret: %s", a.raw)
	}
	got := h.do("GET", tenantsPath+"/"+strings.ToUpper(tenantA), nil)
	if got.status != http.StatusOK || got.body["name"] != "Production" {
		t.Errorf("get by uppercase ID: %d %s", got.status, got.raw)
	}
	if tags, _ := h.do("GET", tenantsPath+"/"+tenantA, nil).body["tags"].([]any); tags == nil {
		t.Error("tags must be [] or a list, never null")
	}
}

func TestCreate_validation(t *testing.T) {
	h := newHarness(t, Options{})
	long := strings.Repeat("x", 129)
	cases := []struct {
		name          string
		mutate        func(map[string]any)
		field, reason string
	}{
		{"missing name", func(b map[string]any) { delete(b, "name") }, "name", "required"},
		{"missing secret", func(b map[string]any) { delete(b, "secret_value") }, "secret_value", "required"},
		{"empty name", func(b map[string]any) { b["name"] = "" }, "name", "too_short"},
		{"blank name", func(b map[string]any) { b["name"] = "   " }, "name", "blank"},
		{"long name", func(b map[string]any) { b["name"] = long }, "name", "too_long"},
		{"control in name", func(b map[string]any) { b["name"] = "a\tb" }, "name", "control_character"},
		{"braced tenant", func(b map[string]any) { b["tenant_id"] = "{" + tenantA + "}" }, "tenant_id", "invalid_uuid"},
		{"urn tenant", func(b map[string]any) { b["tenant_id"] = "urn:uuid:" + tenantA }, "tenant_id", "invalid_uuid"},
		{"no hyphens", func(b map[string]any) { b["application_id"] = strings.ReplaceAll(appA1, "-", "") }, "application_id", "invalid_uuid"},
		{"empty secret", func(b map[string]any) { b["secret_value"] = "" }, "secret_value", "too_short"},
		{"long secret", func(b map[string]any) { b["secret_value"] = strings.Repeat("s", 1025) }, "secret_value", "too_long"},
		{"bad mode", func(b map[string]any) { b["integration_mode"] = "write" }, "integration_mode", "invalid_value"},
		{"bad status", func(b map[string]any) { b["status"] = "paused" }, "status", "invalid_value"},
		{"too many tags", func(b map[string]any) {
			var tags []string
			for i := range 51 {
				tags = append(tags, fmt.Sprint("t", i))
			}
			b["tags"] = tags
		}, "tags", "too_many"},
		{"empty tag", func(b map[string]any) { b["tags"] = []string{""} }, "tags", "too_short"},
		{"long tag", func(b map[string]any) { b["tags"] = []string{strings.Repeat("t", 65)} }, "tags", "too_long"},
		{"spaced tag", func(b map[string]any) { b["tags"] = []string{" prod"} }, "tags", "leading_or_trailing_space"},
		{"control tag", func(b map[string]any) { b["tags"] = []string{"a\nb"} }, "tags", "control_character"},
		{"duplicate tag", func(b map[string]any) { b["tags"] = []string{"a", "a"} }, "tags", "duplicate"},
		{"unknown field", func(b map[string]any) { b["colour"] = "blue" }, "colour", "unknown_field"},
		{"wrong type", func(b map[string]any) { b["tags"] = "prod" }, "tags", "invalid_type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := tenantBody(tenantA, appA1, "s", "read")
			tc.mutate(b)
			a := h.do("POST", tenantsPath, b)
			if a.status != http.StatusBadRequest || a.errCode() != codeValidationFailed || !a.hasDetail(tc.field, tc.reason) {
				t.Errorf("want 400 %s/%s, got %d %s", tc.field, tc.reason, a.status, a.raw)
			}
		})
	}
	if a := h.do("GET", tenantsPath, nil); len(a.body["items"].([]any)) != 0 {
		t.Errorf("an invalid create left a connection: %s", a.raw)
	}
	// 128 characters and 10 tags of 64 are allowed.
	b := tenantBody(tenantA, appA1, strings.Repeat("s", 1024), "read")
	b["name"] = strings.Repeat("n", 128)
	var tags []string
	for i := range 10 {
		tags = append(tags, fmt.Sprintf("%064d", i))
	}
	b["tags"] = tags
	h.mustCreate(b)
}

func TestCreate_conflicts(t *testing.T) {
	h := newHarness(t, Options{})
	h.mustCreate(tenantBody(tenantA, appA1, "shared-secret", "read"))
	a := h.do("POST", tenantsPath, tenantBody(strings.ToUpper(tenantA), appB1, "other", "read"))
	if a.status != http.StatusConflict || a.errCode() != codeTenantConnected {
		t.Errorf("same tenant, other app: %d %s", a.status, a.raw)
	}
	a = h.do("POST", tenantsPath, tenantBody(tenantB, appB1, "shared-secret", "read"))
	if a.status != http.StatusConflict || a.errCode() != codeSecretInUse {
		t.Errorf("secret of another tenant: %d %s", a.status, a.raw)
	}
	if bytes.Contains(a.raw, []byte("shared-secret")) {
		t.Error("the error shows the secret")
	}
}

func TestCreate_azureVerification(t *testing.T) {
	h := newHarness(t, withDirectory(t))
	cases := []struct {
		name            string
		body            map[string]any
		reasons         []string
		missingContains string
	}{
		{"unknown tenant", tenantBody("33333333-3333-4333-8333-333333333333", appA1, "good-secret", "read"), []string{"tenant_not_found"}, ""},
		{"unknown app", tenantBody(tenantA, appB1, "good-secret", "read"), []string{"application_not_found"}, ""},
		{"app not yet propagated", tenantBody(tenantA, appA3, "new-app-secret", "read"), []string{"application_not_found"}, ""},
		{"wrong secret", tenantBody(tenantA, appA1, "bad-secret", "read"), []string{"invalid_client_secret"}, ""},
		{"secret not yet valid", tenantBody(tenantA, appA1, "late-secret", "read"), []string{"invalid_client_secret"}, ""},
		{"read app in read_write mode", tenantBody(tenantA, appA1, "good-secret", "read_write"), []string{"missing_permissions"}, "RoleManagement.ReadWrite.Directory"},
		{"no consent and a role short", tenantBody(tenantA, appA2, "no-consent-secret", "read"), []string{"missing_permissions", "missing_role"}, "Role Based Access Control Administrator"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := h.do("POST", tenantsPath, tc.body)
			if a.status != http.StatusUnprocessableEntity || a.errCode() != codeAzureConnectionFailed {
				t.Fatalf("got %d %s", a.status, a.raw)
			}
			var reasons []string
			for _, d := range a.details() {
				reasons = append(reasons, d["reason"].(string))
			}
			if !slices.Equal(reasons, tc.reasons) {
				t.Errorf("reasons %v, want %v", reasons, tc.reasons)
			}
			if tc.missingContains != "" && !strings.Contains(string(a.raw), tc.missingContains) {
				t.Errorf("missing list lacks %s: %s", tc.missingContains, a.raw)
			}
		})
	}
	h.clock.Advance(91 * time.Second)
	h.mustCreate(tenantBody(tenantA, appA3, "new-app-secret", "read_write"))
	h.do("DELETE", tenantsPath+"/"+tenantA, nil)
	h.mustCreate(tenantBody(tenantA, appA1, "late-secret", "read"))
}

func TestIdempotency(t *testing.T) {
	h := newHarness(t, Options{})
	body := tenantBody(tenantA, appA1, "s1", "read")
	first := h.do("POST", tenantsPath, body, "Idempotency-Key", "k1")
	if first.status != http.StatusCreated || first.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first: %d %v", first.status, first.header)
	}
	again := h.do("POST", tenantsPath, body, "Idempotency-Key", "k1")
	if again.status != http.StatusCreated || again.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again.raw, first.raw) {
		t.Errorf("replay: %d %v %s", again.status, again.header, again.raw)
	}
	other := tenantBody(tenantB, appB1, "s2", "read")
	if a := h.do("POST", tenantsPath, other, "Idempotency-Key", "k1"); a.status != http.StatusUnprocessableEntity || a.errCode() != codeIdempotencyKeyReused {
		t.Errorf("reused: %d %s", a.status, a.raw)
	}
	if a := h.do("POST", tenantsPath, other, "Idempotency-Key", strings.Repeat("k", 256)); a.status != http.StatusBadRequest {
		t.Errorf("long key: %d", a.status)
	}

	// In flight: the first request waits, on the emulator's clock, after claiming its key;
	// the clock stands still until the test has sent the second request.
	if err := h.srv.AddFault(Fault{Route: "POST " + tenantsPath, LatencyMS: 300, Count: 1}); err != nil {
		t.Fatal(err)
	}
	done := make(chan answer)
	go func() { done <- h.do("POST", tenantsPath, other, "Idempotency-Key", "k2") }()
	h.blockUntilWaiting(1)
	inUse := h.do("POST", tenantsPath, other, "Idempotency-Key", "k2")
	if inUse.errCode() != codeIdempotencyKeyInUse {
		t.Errorf("in flight: %d %s", inUse.status, inUse.raw)
	}
	h.clock.Advance(300 * time.Millisecond)
	if a := <-done; a.status != http.StatusCreated {
		t.Errorf("slow first request: %d %s", a.status, a.raw)
	}
	h.clock.Advance(25 * time.Hour)
	if a := h.do("POST", tenantsPath, body, "Idempotency-Key", "k1"); a.errCode() != codeTenantConnected {
		t.Errorf("after 24h the key is forgotten and the request runs again: %d %s", a.status, a.raw)
	}
}

func TestList_paginationAndFilters(t *testing.T) {
	h := newHarness(t, Options{})
	for i := range 7 {
		b := tenantBody(fmt.Sprintf("%08d-0000-4000-8000-000000000000", i), appA1, fmt.Sprint("s", i), []string{"read", "read_write"}[i%2])
		b["tags"] = []string{"all", fmt.Sprint("n", i%3)}
		if i == 6 {
			b["status"] = "inactive"
		}
		h.mustCreate(b)
	}
	ids, pages := h.listAll(3)
	if pages != 3 || len(ids) != 7 || !slices.IsSorted(ids) {
		t.Errorf("pages %d, ids %v", pages, ids)
	}
	count := func(q string) int {
		a := h.do("GET", tenantsPath+"?"+q, nil)
		if a.status != http.StatusOK {
			t.Fatalf("%s: %d %s", q, a.status, a.raw)
		}
		return len(a.body["items"].([]any))
	}
	for q, want := range map[string]int{
		"status=inactive": 1, "status=active": 6, "integration_mode=read": 4, "integration_mode=read_write": 3,
		"tag=all": 7, "tag=n0": 3, "tag=n0&tag=all": 3, "tag=n0&tag=n1": 0, "tag=n1&integration_mode=read": 1,
	} {
		if got := count(q); got != want {
			t.Errorf("%s: %d items, want %d", q, got, want)
		}
	}
	for _, q := range []string{"page_size=0", "page_size=201", "page_size=x", "status=on", "integration_mode=rw", "page_token=%21%21"} {
		if a := h.do("GET", tenantsPath+"?"+q, nil); a.status != http.StatusBadRequest || a.errCode() != codeValidationFailed {
			t.Errorf("%s: %d %s", q, a.status, a.raw)
		}
	}
	small := newHarness(t, Options{DefaultPageSize: 2})
	for i := range 3 {
		small.mustCreate(tenantBody(fmt.Sprintf("%08d-0000-4000-8000-000000000000", i), appA1, fmt.Sprint("s", i), "read"))
	}
	if a := small.do("GET", tenantsPath, nil); len(a.body["items"].([]any)) != 2 || a.body["next_page_token"] == nil {
		t.Errorf("default page size 2: %s", a.raw)
	}
	tok := base64.RawURLEncoding.EncodeToString([]byte("not-a-uuid"))
	if a := h.do("GET", tenantsPath+"?page_token="+tok, nil); a.status != http.StatusBadRequest {
		t.Errorf("forged token: %d", a.status)
	}
}

// listAll follows next_page_token to the last page, as a client does, so that a test checks
// what the pages add up to rather than one page alone.
func (h *harness) listAll(pageSize int) (ids []string, pages int) {
	h.t.Helper()
	token := ""
	for {
		q := fmt.Sprintf("?page_size=%d", pageSize)
		if token != "" {
			q += "&page_token=" + token
		}
		a := h.do("GET", tenantsPath+q, nil)
		if a.status != http.StatusOK {
			h.t.Fatalf("page: %d %s", a.status, a.raw)
		}
		pages++
		for _, it := range a.body["items"].([]any) {
			ids = append(ids, it.(map[string]any)["tenant_id"].(string))
		}
		token, _ = a.body["next_page_token"].(string)
		if token == "" {
			return ids, pages
		}
	}
}

func TestUpdate_rules(t *testing.T) {
	h := newHarness(t, withDirectory(t))
	b := tenantBody(tenantA, appA1, "good-secret", "read")
	b["tags"] = []string{"x"}
	created := h.mustCreate(b)
	path := tenantsPath + "/" + tenantA

	h.clock.Advance(time.Minute)
	a := h.do("PATCH", path, map[string]any{"name": "Renamed"})
	if a.status != http.StatusOK || a.body["name"] != "Renamed" || fmt.Sprint(a.body["tags"]) != "[x]" || a.body["updated_at"] == created.body["updated_at"] {
		t.Errorf("rename keeps the rest and moves updated_at: %s", a.raw)
	}
	if a := h.do("PATCH", path, map[string]any{"tags": []string{}}); fmt.Sprint(a.body["tags"]) != "[]" {
		t.Errorf("tags [] clears: %s", a.raw)
	}
	if a := h.do("PATCH", path, map[string]any{"tenant_id": tenantB}); !a.hasDetail("tenant_id", "immutable") {
		t.Errorf("tenant_id immutable: %s", a.raw)
	}
	if a := h.do("PATCH", path, map[string]any{"tenant_id": strings.ToUpper(tenantA), "name": "Same ID"}); a.status != http.StatusOK {
		t.Errorf("the same tenant_id in any case is no change: %d %s", a.status, a.raw)
	}
	if a := h.do("PATCH", path, map[string]any{"application_id": appA2}); !a.hasDetail("secret_value", "required") {
		t.Errorf("app change without secret: %s", a.raw)
	}
	if a := h.do("PATCH", path, map[string]any{"application_id": appA2, "secret_value": "no-consent-secret"}); a.errCode() != codeAzureConnectionFailed {
		t.Errorf("app change verified with Azure: %d %s", a.status, a.raw)
	}
	if a := h.do("GET", path, nil); a.body["application_id"] != appA1 {
		t.Errorf("a refused PATCH changed something: %s", a.raw)
	}
	if a := h.do("PATCH", path, map[string]any{"integration_mode": "read_write"}); !a.hasDetail("application_id", "missing_permissions") {
		t.Errorf("mode change verified with the stored application: %s", a.raw)
	}
	if a := h.do("PATCH", path, map[string]any{"secret_value": "wrong"}); !a.hasDetail("secret_value", "invalid_client_secret") {
		t.Errorf("secret rotation verified: %s", a.raw)
	}
	if a := h.do("PATCH", path, map[string]any{"application_id": strings.ToUpper(appA1), "secret_value": "late-secret"}); a.errCode() != codeAzureConnectionFailed {
		t.Errorf("not yet valid secret: %s", a.raw)
	}
	h.clock.Advance(time.Minute)
	if a := h.do("PATCH", path, map[string]any{"secret_value": "late-secret"}); a.status != http.StatusOK {
		t.Errorf("rotation to a propagated secret: %d %s", a.status, a.raw)
	}
	if a := h.do("PATCH", tenantsPath+"/"+tenantB, map[string]any{"name": "x"}); a.status != http.StatusNotFound || a.errCode() != codeNotFound {
		t.Errorf("PATCH of unknown: %d %s", a.status, a.raw)
	}

	// A secret of another connected tenant is refused on PATCH too.
	h.mustCreate(tenantBody(tenantB, appB1, "second-secret", "read"))
	if a := h.do("PATCH", tenantsPath+"/"+tenantB, map[string]any{"secret_value": "late-secret"}); a.errCode() != codeSecretInUse {
		t.Errorf("PATCH with a secret in use: %d %s", a.status, a.raw)
	}
}

func TestSynchronization_statusToggle(t *testing.T) {
	h := newHarness(t, Options{SyncDuration: 30 * time.Second})
	path := tenantsPath + "/" + tenantA
	h.mustCreate(tenantBody(tenantA, appA1, "s", "read"))
	state := func() string {
		return h.do("GET", path, nil).body["synchronization"].(map[string]any)["state"].(string)
	}
	steps := []struct {
		advance time.Duration
		want    string
	}{{0, "pending"}, {15 * time.Second, "running"}, {20 * time.Second, "succeeded"}}
	for _, s := range steps {
		h.clock.Advance(s.advance)
		if got := state(); got != s.want {
			t.Errorf("after %v more: %s, want %s", s.advance, got, s.want)
		}
	}
	if a := h.do("PATCH", path, map[string]any{"status": "inactive"}); a.body["status"] != "inactive" {
		t.Fatalf("deactivate: %s", a.raw)
	}
	if a := h.do("PATCH", path, map[string]any{"secret_value": "s2"}); a.status != http.StatusOK {
		t.Fatal(a.status)
	}
	h.clock.Advance(time.Hour)
	if got := state(); got != "succeeded" {
		t.Errorf("inactive keeps its last state, got %s", got)
	}
	h.do("PATCH", path, map[string]any{"status": "active"})
	if got := state(); got != "pending" {
		t.Errorf("reactivated restarts synchronization, got %s", got)
	}
	sync := h.do("GET", path, nil).body["synchronization"].(map[string]any)
	if _, ok := sync["message"]; !ok {
		t.Error("synchronization.message must be present")
	}
}

// syncOf reads the synchronization object of tenant's connection, as GET answers it.
func (h *harness) syncOf(tenant string) map[string]any {
	h.t.Helper()
	a := h.do("GET", tenantsPath+"/"+tenant, nil)
	if a.status != http.StatusOK {
		h.t.Fatalf("get %s: %d %s", tenant, a.status, a.raw)
	}
	return a.body["synchronization"].(map[string]any)
}

// syncWant is a synchronization object as the contract's JSON has it: times after 10:00 of
// the harness's day as "hh:mm:ss", "" for an absent field.
func syncWant(state, lastRunAt, nextRunAt string) map[string]any {
	out := map[string]any{"state": state, "message": ""}
	if lastRunAt != "" {
		out["last_run_at"] = "2026-11-26T" + lastRunAt + "Z"
	}
	if nextRunAt != "" {
		out["next_run_at"] = "2026-11-26T" + nextRunAt + "Z"
	}
	return out
}

// TestSynchronization_cadence: a run is pending for a third of its duration, then running,
// then succeeded; the next starts 15 minutes after it ended, and an hour later the clock
// alone says which run it is.
func TestSynchronization_cadence(t *testing.T) {
	h := newHarness(t, Options{SyncDuration: 30 * time.Second})
	h.mustCreate(tenantBody(tenantA, appA1, "s", "read"))
	steps := []struct {
		advance time.Duration
		want    map[string]any
	}{
		{0, syncWant("pending", "", "")},
		{10 * time.Second, syncWant("running", "", "")},
		{20 * time.Second, syncWant("succeeded", "10:00:30", "10:15:30")},
		{15*time.Minute - time.Second, syncWant("succeeded", "10:00:30", "10:15:30")},
		{time.Second, syncWant("pending", "10:00:30", "")},
		{10 * time.Second, syncWant("running", "10:00:30", "")},
		{20 * time.Second, syncWant("succeeded", "10:16:00", "10:31:00")},
		// Runs start at 10:00:00 + n * 15m30s: the fifth began at 11:02:00.
		{time.Hour, syncWant("succeeded", "11:02:30", "11:17:30")},
	}
	elapsed := time.Duration(0)
	for _, s := range steps {
		h.clock.Advance(s.advance)
		elapsed += s.advance
		if got := h.syncOf(tenantA); !reflect.DeepEqual(got, s.want) {
			t.Errorf("%v after the create: %v, want %v", elapsed, got, s.want)
		}
	}
}

// TestReprocess_startsOneRun: reprocess starts a run at once and answers it pending; a
// second one while that run goes on answers it and starts no other. The viewer may not
// reprocess, and faults and counts know the route.
func TestReprocess_startsOneRun(t *testing.T) {
	h := newHarness(t, Options{SyncDuration: 30 * time.Second})
	created := h.mustCreate(tenantBody(tenantA, appA1, "s", "read"))
	path := tenantsPath + "/" + strings.ToUpper(tenantA) + "/reprocess"
	h.clock.Advance(time.Minute)

	a := h.do("POST", path, nil)
	if a.status != http.StatusAccepted || a.body["tenant_id"] != tenantA || a.body["updated_at"] != created.body["updated_at"] {
		t.Fatalf("reprocess: %d %s, want 202 with the connection, unchanged", a.status, a.raw)
	}
	if got, want := a.body["synchronization"], syncWant("pending", "10:00:30", ""); !reflect.DeepEqual(got, want) {
		t.Errorf("reprocess answered %v, want %v: a new run, the last one kept as last_run_at", got, want)
	}
	h.clock.Advance(15 * time.Second)
	if a := h.do("POST", path, nil); a.status != http.StatusAccepted || !reflect.DeepEqual(a.body["synchronization"], syncWant("running", "10:00:30", "")) {
		t.Errorf("reprocess during the run: %d %s, want 202 with that run, running", a.status, a.raw)
	}
	// The run of the first reprocess ends at 10:01:30; one started by the second would not.
	h.clock.Advance(15 * time.Second)
	if got, want := h.syncOf(tenantA), syncWant("succeeded", "10:01:30", "10:16:30"); !reflect.DeepEqual(got, want) {
		t.Errorf("after the run: %v, want %v", got, want)
	}

	h.token = h.getToken(url.Values{"grant_type": {"client_credentials"}, "client_id": {DemoViewerID}, "client_secret": {DemoViewerSecret}}, http.StatusOK)
	if a := h.do("POST", path, nil); a.status != http.StatusForbidden || a.errCode() != codeForbidden {
		t.Errorf("viewer reprocesses: %d %s, want 403", a.status, a.raw)
	}
	if got := h.syncOf(tenantA); got["state"] != "succeeded" {
		t.Errorf("a refused reprocess started a run: %v", got)
	}
	if err := h.srv.AddFault(Fault{Route: ReprocessRoute, Status: 503, Count: 1}); err != nil {
		t.Fatal(err)
	}
	if a := h.do("POST", path, nil); a.status != http.StatusServiceUnavailable {
		t.Errorf("fault on %s: %d", ReprocessRoute, a.status)
	}
	if c := h.srv.Counts(); c.Total(ReprocessRoute, "202") != 2 || c.Total(ReprocessRoute, "403") != 1 || c.Total(ReprocessRoute, "503") != 1 {
		t.Errorf("counts of %s: %v", ReprocessRoute, c.Routes[ReprocessRoute])
	}
}

// TestReprocess_inactiveOrUnknown: an inactive connection is refused with 409
// connection_inactive and keeps its synchronization; an unknown tenant is 404.
func TestReprocess_inactiveOrUnknown(t *testing.T) {
	h := newHarness(t, Options{SyncDuration: 30 * time.Second})
	h.mustCreate(tenantBody(tenantA, appA1, "s", "read"))
	h.clock.Advance(time.Minute)
	if a := h.do("PATCH", tenantsPath+"/"+tenantA, map[string]any{"status": "inactive"}); a.status != http.StatusOK {
		t.Fatalf("deactivate: %d %s", a.status, a.raw)
	}
	frozen := syncWant("succeeded", "10:00:30", "")
	if got := h.syncOf(tenantA); !reflect.DeepEqual(got, frozen) {
		t.Errorf("inactive: %v, want %v (no next run)", got, frozen)
	}
	a := h.do("POST", tenantsPath+"/"+tenantA+"/reprocess", nil)
	if a.status != http.StatusConflict || a.errCode() != codeConnectionInactive ||
		!strings.Contains(a.body["error"].(map[string]any)["message"].(string), "activate it first") {
		t.Errorf("reprocess of an inactive connection: %d %s, want 409 %s saying to activate it first", a.status, a.raw, codeConnectionInactive)
	}
	h.clock.Advance(time.Hour)
	if got := h.syncOf(tenantA); !reflect.DeepEqual(got, frozen) {
		t.Errorf("a refused reprocess changed the synchronization: %v, want %v", got, frozen)
	}
	// The route's own 404, not the one of a route that does not exist.
	if a := h.do("POST", tenantsPath+"/"+tenantB+"/reprocess", nil); a.status != http.StatusNotFound || a.errCode() != codeNotFound ||
		!strings.Contains(string(a.raw), "no connection for Azure tenant "+tenantB) {
		t.Errorf("reprocess of an unknown tenant: %d %s, want 404 naming the tenant", a.status, a.raw)
	}
}

// expiringDirectory has tenant A's application A1 with a secret that expires 30 minutes after
// the start and one that does not, and every grant of read mode.
func expiringDirectory() *Directory {
	return &Directory{Tenants: []DirectoryTenant{{TenantID: tenantA, Applications: []DirectoryApplication{{
		ApplicationID: appA1,
		Secrets:       []DirectorySecret{{Value: "expiring-secret", ExpiresAfterSeconds: 1800}, {Value: "fresh-secret"}},
		GraphPermissions: []string{"Application.Read.All", "AuditLog.Read.All", "Directory.Read.All", "Group.Read.All",
			"RoleManagement.Read.Directory", "User.Read.All", "UserAuthenticationMethod.Read.All"},
		AzureRoles: []string{"Reader", "Role Based Access Control Administrator"},
	}}}}}
}

// TestSynchronization_expiredSecretFailsAndANewSecretMendsIt: the first run after the secret
// expired fails with invalid_credentials and a message; a PATCH with a valid new secret starts
// a run at once, which succeeds; the expired secret no longer connects.
func TestSynchronization_expiredSecretFailsAndANewSecretMendsIt(t *testing.T) {
	h := newHarness(t, Options{SyncDuration: 30 * time.Second, Directory: expiringDirectory()})
	h.mustCreate(tenantBody(tenantA, appA1, "expiring-secret", "read"))
	// Runs end at 10:00:30 and 10:16:00, before the expiry at 10:30; the third ends at 10:31:30.
	h.clock.Advance(16 * time.Minute)
	if got := h.syncOf(tenantA); !reflect.DeepEqual(got, syncWant("succeeded", "10:16:00", "10:31:00")) {
		t.Errorf("before the expiry: %v", got)
	}
	h.clock.Advance(15*time.Minute + 30*time.Second)
	got := h.syncOf(tenantA)
	if got["state"] != "failed" || got["reason"] != "invalid_credentials" || got["last_run_at"] != "2026-11-26T10:31:30Z" ||
		got["next_run_at"] != "2026-11-26T10:46:30Z" || !strings.Contains(got["message"].(string), "expired") {
		t.Errorf("after the expiry: %v, want failed at 10:31:30 with invalid_credentials, a message and the next run", got)
	}

	a := h.do("PATCH", tenantsPath+"/"+tenantA, map[string]any{"secret_value": "fresh-secret"})
	if a.status != http.StatusOK || !reflect.DeepEqual(a.body["synchronization"], syncWant("pending", "10:31:30", "")) {
		t.Fatalf("PATCH with a new secret: %d %s, want a run pending at once", a.status, a.raw)
	}
	h.clock.Advance(30 * time.Second)
	if got := h.syncOf(tenantA); !reflect.DeepEqual(got, syncWant("succeeded", "10:32:00", "10:47:00")) {
		t.Errorf("the run after the new secret: %v, want succeeded", got)
	}
	if a := h.do("DELETE", tenantsPath+"/"+tenantA, nil); a.status != http.StatusNoContent {
		t.Fatalf("delete: %d", a.status)
	}
	if a := h.do("POST", tenantsPath, tenantBody(tenantA, appA1, "expiring-secret", "read")); !a.hasDetail("secret_value", "invalid_client_secret") {
		t.Errorf("create with the expired secret: %d %s, want invalid_client_secret", a.status, a.raw)
	}
}

// TestDirectory_synchronizeReasons: a run fails with the reason of what no longer works at
// its end, with a message that names it, and succeeds otherwise or without a directory.
func TestDirectory_synchronizeReasons(t *testing.T) {
	d := expiringDirectory()
	d.Tenants[0].Applications = append(d.Tenants[0].Applications, DirectoryApplication{ApplicationID: appA2,
		Secrets: []DirectorySecret{{Value: "late", ValidAfterSeconds: 60}}, GraphPermissions: []string{"Directory.Read.All"},
		AzureRoles: []string{"Reader"}})
	idx := func(i int) *int { return &i }
	cases := []struct {
		name, app    string
		secret       *int
		mode         string
		elapsed      time.Duration
		reason, text string
	}{
		{"valid", appA1, idx(0), "read", 29 * time.Minute, "", ""},
		{"expired", appA1, idx(0), "read", 30 * time.Minute, "invalid_credentials", "has expired"},
		{"the other secret", appA1, idx(1), "read", 30 * time.Minute, "", ""},
		{"a secret gone from the directory", appA1, idx(2), "read", 0, "invalid_credentials", "no longer valid"},
		{"an application gone", appA3, idx(0), "read", 0, "invalid_credentials", "was not found"},
		{"a secret not yet valid", appA2, idx(0), "read", 0, "invalid_credentials", "no longer valid"},
		{"consent missing", appA1, idx(1), "read_write", 0, "missing_permissions", "RoleManagement.ReadWrite.Directory"},
		{"consent and a role missing", appA2, idx(0), "read", time.Hour, "missing_permissions", "Role Based Access Control Administrator"},
		{"no recorded secret", appA1, nil, "read", time.Hour, "", ""},
	}
	for _, tc := range cases {
		reason, msg := d.synchronize(tenantA, tc.app, tc.secret, tc.mode, tc.elapsed)
		if reason != tc.reason || !strings.Contains(msg, tc.text) || (tc.reason == "") != (msg == "") {
			t.Errorf("%s: %q %q, want %q with a message containing %q", tc.name, reason, msg, tc.reason, tc.text)
		}
	}
	d.Tenants[0].Applications[1].GraphPermissions = d.Tenants[0].Applications[0].GraphPermissions // consent given
	if reason, msg := d.synchronize(tenantA, appA2, idx(0), "read", time.Hour); reason != "missing_role" || !strings.Contains(msg, "Role Based Access Control Administrator") {
		t.Errorf("a role missing: %q %q, want missing_role naming it", reason, msg)
	}
	if reason, msg := (*Directory)(nil).synchronize(tenantA, appA1, nil, "read", 0); reason != "" || msg != "" {
		t.Errorf("demo mode: %q %q, want success", reason, msg)
	}
}

func TestDelete(t *testing.T) {
	h := newHarness(t, Options{})
	h.mustCreate(tenantBody(tenantA, appA1, "s", "read"))
	if a := h.do("DELETE", tenantsPath+"/"+strings.ToUpper(tenantA), nil); a.status != http.StatusNoContent {
		t.Errorf("delete: %d", a.status)
	}
	if a := h.do("DELETE", tenantsPath+"/"+tenantA, nil); a.status != http.StatusNotFound || a.errCode() != codeNotFound {
		t.Errorf("delete again: %d %s", a.status, a.raw)
	}
	// The secret is free again once its tenant is gone.
	h.mustCreate(tenantBody(tenantB, appB1, "s", "read"))
}

func TestStateFile_survivesRestartWithoutSecrets(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	h := newHarness(t, Options{StateFile: file})
	h.mustCreate(tenantBody(tenantA, appA1, "persisted-secret", "read"))
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("persisted-secret")) {
		t.Error("the state file holds the secret in plain text")
	}
	h2 := newHarness(t, Options{StateFile: file})
	if a := h2.do("GET", tenantsPath+"/"+tenantA, nil); a.status != http.StatusOK {
		t.Fatalf("after restart: %d", a.status)
	}
	if a := h2.do("POST", tenantsPath, tenantBody(tenantB, appB1, "persisted-secret", "read")); a.errCode() != codeSecretInUse {
		t.Errorf("the salted hash still recognises the secret: %s", a.raw)
	}
	entries, err := os.ReadDir(filepath.Dir(file))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("temporary files left beside the state file: %v", entries)
	}
}

func TestFaults(t *testing.T) {
	h := newHarness(t, Options{})
	if err := h.srv.AddFault(Fault{Route: "GET " + tenantsPath, Status: 429, RetryAfter: 7, Count: 2}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		a := h.do("GET", tenantsPath, nil)
		if a.status != 429 || a.errCode() != codeRateLimited || a.header.Get("Retry-After") != "7" {
			t.Errorf("fault %d: %d %v %s", i, a.status, a.header, a.raw)
		}
	}
	if a := h.do("GET", tenantsPath, nil); a.status != http.StatusOK {
		t.Errorf("after the count: %d", a.status)
	}
	if err := h.srv.AddFault(Fault{Status: 404}); err == nil {
		t.Error("a 404 fault must be refused")
	}

	// Commit, then drop: the connection is created and the client sees no answer.
	if err := h.srv.AddFault(Fault{Route: "POST " + tenantsPath, DropAfterCommit: true, Count: 1}); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest("POST", h.ts.URL+tenantsPath, strings.NewReader(`{"name":"n","tenant_id":"`+tenantA+`","application_id":"`+appA1+`","secret_value":"s","integration_mode":"read"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("dropped response arrived: %d", resp.StatusCode)
	}
	if a := h.do("GET", tenantsPath+"/"+tenantA, nil); a.status != http.StatusOK {
		t.Errorf("the dropped create was not committed: %d", a.status)
	}
	c := h.srv.Counts()
	if c.Total("GET "+tenantsPath, "429") != 2 || c.Total("POST "+tenantsPath, "dropped") != 1 || c.Total("POST "+tokenPath, "200") != 1 {
		t.Errorf("counts: %+v", c)
	}
	if err := h.srv.Reset(); err != nil {
		t.Fatal(err)
	}
	if a := h.do("GET", tenantsPath, nil); len(a.body["items"].([]any)) != 0 {
		t.Error("reset kept connections")
	}
}

func TestControlEndpoints_overHTTP(t *testing.T) {
	h := newHarness(t, Options{})
	post := func(path, body string) int {
		resp, err := http.Post(h.ts.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := post(controlPath+"/faults", `{"route":"GET `+tenantsPath+`","status":503,"count":1}`); s != http.StatusNoContent {
		t.Fatalf("add fault: %d", s)
	}
	if a := h.do("GET", tenantsPath, nil); a.status != 503 || a.errCode() != codeUnavailable {
		t.Errorf("injected 503: %d", a.status)
	}
	if s := post(controlPath+"/faults", `{"status":418}`); s != http.StatusBadRequest {
		t.Errorf("bad fault: %d", s)
	}
	resp, err := http.Get(h.ts.URL + controlPath + "/requests")
	if err != nil {
		t.Fatal(err)
	}
	var c RequestCounts
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c.Total("GET "+tenantsPath, "503") != 1 {
		t.Errorf("counts over HTTP: %+v", c)
	}
	if s := post(controlPath+"/tokens/revoke", ""); s != http.StatusNoContent {
		t.Errorf("revoke: %d", s)
	}
	if a := h.do("GET", tenantsPath, nil); a.status != http.StatusUnauthorized {
		t.Errorf("revoked token still works: %d", a.status)
	}
	if s := post(controlPath+"/reset", ""); s != http.StatusNoContent {
		t.Errorf("reset: %d", s)
	}
}

func TestConcurrentCreates_oneWinsPerTenant(t *testing.T) {
	h := newHarness(t, Options{})
	var wg sync.WaitGroup
	statuses := make(chan int, 40)
	for i := range 40 {
		wg.Go(func() {
			tenant := fmt.Sprintf("%08d-0000-4000-8000-000000000000", i%4)
			statuses <- h.do("POST", tenantsPath, tenantBody(tenant, appA1, fmt.Sprint("secret-", i), "read")).status
		})
	}
	wg.Wait()
	close(statuses)
	created := 0
	for s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Errorf("unexpected status %d", s)
		}
	}
	if created != 4 {
		t.Errorf("%d creates won, want one per tenant (4)", created)
	}
}

// TestLatency_theServerGoesOnWhenTheClientLeaves: a slow create is committed, and its answer
// kept for replay, although its client gave up before the answer came.
func TestLatency_theServerGoesOnWhenTheClientLeaves(t *testing.T) {
	answered := make(chan string, 100)
	h := newHarness(t, Options{OnAnswer: func(route, status string) {
		if route == "POST "+tenantsPath {
			answered <- status
		}
	}})
	if err := h.srv.AddFault(Fault{Route: "POST " + tenantsPath, LatencyMS: 5000, Count: 1}); err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(tenantBody(tenantA, appA1, "s", "read"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "POST", h.ts.URL+tenantsPath, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	req.Header.Set("Idempotency-Key", "slow")
	gone := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		gone <- err
	}()
	h.blockUntilWaiting(1)
	cancel() // the client disconnects while the create is being handled
	if err := <-gone; err == nil {
		t.Fatal("the canceled request got an answer")
	}
	h.clock.Advance(5 * time.Second)
	if got := <-answered; got != "201" {
		t.Fatalf("the held create answered %s", got)
	}
	if a := h.do("POST", tenantsPath, tenantBody(tenantA, appA1, "s", "read"), "Idempotency-Key", "slow"); a.status != http.StatusCreated || a.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the same key after the client left: %d %v %s, want the replayed 201", a.status, a.header, a.raw)
	}
}

func TestStateFile_staleTemporaryFilesAreRemovedAtStart(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, ".segura-emulator-state-123")
	if err := os.WriteFile(stale, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	newHarness(t, Options{StateFile: filepath.Join(dir, "state.json")})
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the temporary file of a killed run is still there: %v", err)
	}
}

func TestFaults_revokeTokens(t *testing.T) {
	h := newHarness(t, Options{})
	if err := h.srv.AddFault(Fault{Route: "GET " + tenantsPath, RevokeTokens: true, Count: 1}); err != nil {
		t.Fatal(err)
	}
	if a := h.do("GET", tenantsPath, nil); a.status != http.StatusUnauthorized {
		t.Errorf("the request that revoked the tokens: %d, want 401", a.status)
	}
	h.token = h.getToken(url.Values{"grant_type": {"client_credentials"}, "client_id": {DemoClientID}, "client_secret": {DemoClientSecret}}, http.StatusOK)
	if a := h.do("GET", tenantsPath, nil); a.status != http.StatusOK {
		t.Errorf("a new token after the revocation: %d", a.status)
	}
}

func TestDecodeInput_refusesTrailingDataAndNamesJSONKinds(t *testing.T) {
	h := newHarness(t, Options{})
	valid := `{"name":"n","tenant_id":"` + tenantA + `","application_id":"` + appA1 + `","secret_value":"s","integration_mode":"read"}`
	for body, want := range map[string]string{
		valid + `{}`:                "nothing after it",
		valid + ` garbage`:          "nothing after it",
		`["not","an","object"]`:     "not a JSON object",
		`{"name": 42}`:              "must be a string",
		`{"tags": "prod"}`:          "must be a list of strings",
		`{"name":"n"`:               "not a JSON object",
		`{"colour":"blue"}`:         "not a field",
		`{"secret_value": {"a":1}}`: "must be a string",
	} {
		a := h.do("POST", tenantsPath, body)
		if a.status != http.StatusBadRequest || !strings.Contains(string(a.raw), want) {
			t.Errorf("%s: %d %s, want 400 saying %q", body, a.status, a.raw, want)
		}
		if strings.Contains(string(a.raw), "emulator.") || strings.Contains(string(a.raw), "Go value") {
			t.Errorf("%s: the message names Go types: %s", body, a.raw)
		}
	}
	if a := h.do("POST", tenantsPath, valid+"\n"); a.status != http.StatusCreated {
		t.Errorf("white space after the object: %d %s", a.status, a.raw)
	}
}

func TestStateFile_holdsArgon2idHashes(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	h := newHarness(t, Options{StateFile: file})
	h.mustCreate(tenantBody(tenantA, appA1, "hashed-secret", "read"))
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var st stateFile
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	want := argon2.IDKey([]byte("hashed-secret"), st.SecretSalt, 2, 19*1024, 1, 32)
	if len(st.SecretSalt) != 16 || !bytes.Equal(st.Tenants[tenantA].SecretHash, want) {
		t.Errorf("the state file does not hold the argon2id hash of the secret with its salt: %s", raw)
	}
	// A restarted emulator keeps the salt, so it still knows the secret is in use.
	h2 := newHarness(t, Options{StateFile: file})
	if a := h2.do("POST", tenantsPath, tenantBody(tenantB, appB1, "hashed-secret", "read")); a.errCode() != codeSecretInUse {
		t.Errorf("after restart, a reused secret: %d %s", a.status, a.raw)
	}
}

// FuzzDecodeInput: whatever the body, decoding neither panics nor accepts what validation
// would refuse, and its messages never name Go types.
func FuzzDecodeInput(f *testing.F) {
	for _, seed := range []string{
		`{"name":"n","tenant_id":"` + tenantA + `","application_id":"` + appA1 + `","secret_value":"s","integration_mode":"read"}`,
		`{"tags":["a","a"]}`, `{"name":"\u0007"}`, `[]`, `{} {}`, `{"status":"paused"}`, `null`, `{"tags":null}`, "",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, details := decodeInput(body)
		for _, d := range details {
			if strings.Contains(d.Message, "emulator.") || strings.Contains(d.Message, "Go value") {
				t.Errorf("a message names Go types: %q", d.Message)
			}
		}
		if details != nil {
			return
		}
		for _, d := range in.validate() {
			if d.Field == "" || d.Reason == "" || d.Message == "" {
				t.Errorf("a validation detail is incomplete: %+v", d)
			}
		}
	})
}

func TestFaults_after(t *testing.T) {
	h := newHarness(t, Options{})
	if err := h.srv.AddFault(Fault{Route: "GET " + tenantsPath, Status: 503, After: 2, Count: 1}); err != nil {
		t.Fatal(err)
	}
	var got []int
	for range 4 {
		got = append(got, h.do("GET", tenantsPath, nil).status)
	}
	if !slices.Equal(got, []int{200, 200, 503, 200}) {
		t.Errorf("statuses %v, want the third request alone to fail", got)
	}
}

// TestFaults_code: an injected code reaches the client in the error form of its route,
// OAuth 2.0's on the token endpoint and the API's envelope elsewhere; a 4xx needs a code.
func TestFaults_code(t *testing.T) {
	h := newHarness(t, Options{})
	if err := h.srv.AddFault(Fault{Route: "POST " + tokenPath, Status: 400, Code: codeValidationFailed, Count: 1}); err != nil {
		t.Fatal(err)
	}
	if err := h.srv.AddFault(Fault{Route: "POST " + tokenPath, Status: 503, RetryAfter: 5, Count: 1}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		status     int
		code       string
		retryAfter string
	}{{400, codeValidationFailed, ""}, {503, codeUnavailable, "5"}} {
		status, header, body := h.postTokenForm(url.Values{"grant_type": {"client_credentials"},
			"client_id": {DemoClientID}, "client_secret": {DemoClientSecret}})
		if status != want.status || body["error"] != want.code || body["error_description"] != "injected fault" ||
			header.Get("Retry-After") != want.retryAfter {
			t.Errorf("token fault: %d %v, want %d with the OAuth 2.0 error %q", status, body, want.status, want.code)
		}
	}
	h.getToken(url.Values{"grant_type": {"client_credentials"}, "client_id": {DemoClientID}, "client_secret": {DemoClientSecret}}, http.StatusOK)

	// Over HTTP, so that the field's JSON name is checked too.
	resp, err := http.Post(h.ts.URL+controlPath+"/faults", "application/json", strings.NewReader(
		`{"route":"GET `+tenantsPath+`","status":409,"code":"`+codeTenantConnected+`","count":1}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("add fault: %d", resp.StatusCode)
	}
	if a := h.do("GET", tenantsPath, nil); a.status != http.StatusConflict || a.errCode() != codeTenantConnected {
		t.Errorf("API fault: %d %s, want 409 with the envelope's code %q", a.status, a.raw, codeTenantConnected)
	}

	for _, f := range []Fault{{Status: 400}, {Status: 404}, {Code: codeValidationFailed}, {Status: 302, Code: codeValidationFailed}, {Status: 600, Code: codeInternal}} {
		if err := h.srv.AddFault(f); err == nil {
			t.Errorf("fault %+v must be refused", f)
		}
	}
}

// postTokenForm asks the token endpoint for a token and returns its answer as it came, for
// tests that expect an error; getToken is for those that expect a token.
func (h *harness) postTokenForm(form url.Values) (int, http.Header, map[string]any) {
	h.t.Helper()
	resp, err := http.PostForm(h.ts.URL+tokenPath, form)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		h.t.Fatalf("token: the answer is not JSON: %v", err)
	}
	return resp.StatusCode, resp.Header, body
}

// TestSecretIndex_followsEveryChange: a secret is in use exactly while a connection holds it,
// through rotations and disconnections, with both kinds of hashes.
func TestSecretIndex_followsEveryChange(t *testing.T) {
	for _, cheap := range []bool{false, true} {
		t.Run(fmt.Sprint("cheap=", cheap), func(t *testing.T) {
			h := newHarness(t, Options{CheapSecretHashes: cheap})
			inUse := func(tenant, app, secret string) bool {
				t.Helper()
				a := h.do("POST", tenantsPath, tenantBody(tenant, app, secret, "read"))
				if a.status == http.StatusCreated {
					if d := h.do("DELETE", tenantsPath+"/"+tenant, ""); d.status != http.StatusNoContent {
						t.Fatalf("delete: %d %s", d.status, d.raw)
					}
					return false
				}
				if a.errCode() != codeSecretInUse {
					t.Fatalf("create: %d %s", a.status, a.raw)
				}
				return true
			}
			h.mustCreate(tenantBody(tenantA, appA1, "first", "read"))
			if !inUse(tenantB, appB1, "first") {
				t.Error("the secret of a connected tenant was not in use")
			}
			if a := h.do("PATCH", tenantsPath+"/"+tenantA, `{"secret_value":"second"}`); a.status != http.StatusOK {
				t.Fatalf("rotate: %d %s", a.status, a.raw)
			}
			if inUse(tenantB, appB1, "first") || !inUse(tenantB, appB1, "second") {
				t.Error("after a rotation, the old secret is still in use or the new one is not")
			}
			if a := h.do("DELETE", tenantsPath+"/"+tenantA, ""); a.status != http.StatusNoContent {
				t.Fatalf("delete: %d %s", a.status, a.raw)
			}
			if inUse(tenantB, appB1, "second") {
				t.Error("the secret of a disconnected tenant is still in use")
			}
		})
	}
	if _, err := New(Options{CheapSecretHashes: true, StateFile: filepath.Join(t.TempDir(), "state.json")}); err == nil {
		t.Error("cheap secret hashes were accepted with a state file")
	}
}
