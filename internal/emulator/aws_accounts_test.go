package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

// The accounts of testdata/aws.json.
const (
	account1 = "111122223333" // every key but keyOther
	account2 = "444455556666" // keyOther
)

func awsBody(name, key string) map[string]any {
	return map[string]any{"name": name, "access_key_id": key, "secret_access_key": awsSecrets[key]}
}

// connectAWS creates the connection of key's account and fails the test unless it is made.
func (h *harness) connectAWS(key string) answer {
	h.t.Helper()
	a := h.do("POST", AWSAccountsPath, awsBody("Production", key))
	if a.status != http.StatusCreated {
		h.t.Fatalf("connect %s: %d %s", key, a.status, a.raw)
	}
	return a
}

func (a answer) message() string {
	e, _ := a.body["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

// TestAWSAccount_createReadsTheAccountFromTheKey: a create names no account; the answer's is
// the key's, as the fixture has it, and the object is the contract's, without the secret.
func TestAWSAccount_createReadsTheAccountFromTheKey(t *testing.T) {
	h := newHarness(t, Options{AWS: loadAWS(t)})
	b := awsBody("Production", keyDirect)
	b["tags"] = []string{"prod", "finance"}
	a := h.do("POST", AWSAccountsPath, b)
	want := `{"account_id":"111122223333","name":"Production","access_key_id":"AKIADIRECTREADER0001","tags":["finance","prod"],` +
		`"status":"active","connected_at":"2026-11-26T10:00:00Z","updated_at":"2026-11-26T10:00:00Z",` +
		`"synchronization":{"state":"pending","message":""}}` + "\n"
	if a.status != http.StatusCreated || string(a.raw) != want {
		t.Fatalf("create: %d\n%s\nwant 201\n%s", a.status, a.raw, want)
	}
	if got := a.header.Get("Location"); got != "/api/cloud-entitlements/v1/aws/accounts/111122223333" {
		t.Errorf("Location %q", got)
	}
	if got := h.do("GET", AWSAccountsPath+"/"+account1, nil); got.status != http.StatusOK || string(got.raw) != want {
		t.Errorf("get: %d %s", got.status, got.raw)
	}
	for _, key := range []string{keyOther, keyGroup} { // another account; the first's, through a group's policy
		h.do("DELETE", AWSAccountsPath+"/"+account1, nil)
		a := h.connectAWS(key)
		if wantAccount := map[string]string{keyOther: account2, keyGroup: account1}[key]; a.body["account_id"] != wantAccount {
			t.Errorf("%s connected account %v, want %s", key, a.body["account_id"], wantAccount)
		}
	}
	if a := h.do("GET", AWSAccountsPath+"/"+account2, nil); a.body["access_key_id"] != keyOther {
		t.Errorf("the other account: %d %s", a.status, a.raw)
	}
	h.do("DELETE", AWSAccountsPath+"/"+account1, nil)
	h.connectAWS(keyRoot) // a root key may do everything
}

// TestAWSAccount_createValidation: every field rule answers 400 validation_failed naming the
// field, and an invalid create connects nothing.
func TestAWSAccount_createValidation(t *testing.T) {
	h := newHarness(t, Options{AWS: loadAWS(t)})
	cases := []struct {
		name          string
		mutate        func(map[string]any)
		field, reason string
	}{
		{"missing name", func(b map[string]any) { delete(b, "name") }, "name", "required"},
		{"missing key ID", func(b map[string]any) { delete(b, "access_key_id") }, "access_key_id", "required"},
		{"missing secret", func(b map[string]any) { delete(b, "secret_access_key") }, "secret_access_key", "required"},
		{"a temporary key's ID", func(b map[string]any) { b["access_key_id"] = "ASIADIRECTREADER0001" }, "access_key_id", "invalid_format"},
		{"lower case in the key ID", func(b map[string]any) { b["access_key_id"] = "AKIAdirectreader0001" }, "access_key_id", "invalid_format"},
		{"a key ID too long", func(b map[string]any) { b["access_key_id"] = keyDirect + "1" }, "access_key_id", "invalid_format"},
		{"a secret of 39", func(b map[string]any) { b["secret_access_key"] = strings.Repeat("s", 39) }, "secret_access_key", "too_short"},
		{"a secret of 41", func(b map[string]any) { b["secret_access_key"] = strings.Repeat("s", 41) }, "secret_access_key", "too_long"},
		{"the account, which Segura reads", func(b map[string]any) { b["account_id"] = account1 }, "account_id", "read_only"},
		{"a field of Azure's", func(b map[string]any) { b["tenant_id"] = tenantA }, "tenant_id", "unknown_field"},
		{"blank name", func(b map[string]any) { b["name"] = " " }, "name", "blank"},
		{"bad status", func(b map[string]any) { b["status"] = "paused" }, "status", "invalid_value"},
		{"duplicate tag", func(b map[string]any) { b["tags"] = []string{"a", "a"} }, "tags", "duplicate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := awsBody("Production", keyDirect)
			tc.mutate(b)
			a := h.do("POST", AWSAccountsPath, b)
			if a.status != http.StatusBadRequest || a.errCode() != codeValidationFailed || !a.hasDetail(tc.field, tc.reason) {
				t.Errorf("want 400 %s/%s, got %d %s", tc.field, tc.reason, a.status, a.raw)
			}
		})
	}
	if a := h.do("POST", AWSAccountsPath, `{"region":"us-east-1"}`); !strings.Contains(string(a.raw), "is not a field of an AWS account connection") {
		t.Errorf("an unknown field: %d %s", a.status, a.raw)
	}
	if a := h.do("GET", AWSAccountsPath, nil); len(a.body["items"].([]any)) != 0 {
		t.Errorf("an invalid create connected something: %s", a.raw)
	}
}

// TestAWSAccount_verification: a key that STS or IAM refuses answers 422
// aws_connection_failed with the contract's reason, on the field it concerns, and connects
// nothing; a key that propagates connects once it has.
func TestAWSAccount_verification(t *testing.T) {
	h := newHarness(t, Options{AWS: loadAWS(t)})
	cases := []struct {
		name, key, secret, field, reason string
		missing                          []any
	}{
		{"a wrong secret", keyDirect, wrongSecret, "secret_access_key", "invalid_access_key", nil},
		{"an unknown key", keyUnknown, awsSecrets[keyUnknown], "access_key_id", "invalid_access_key", nil},
		{"an inactive key", keyInactive, awsSecrets[keyInactive], "access_key_id", "invalid_access_key", nil},
		{"a key not yet propagated", keyNew, awsSecrets[keyNew], "access_key_id", "invalid_access_key", nil},
		{"a customer policy of the required name", keyNoPolicy, awsSecrets[keyNoPolicy], "access_key_id", "missing_policy", []any{"IAMReadOnlyAccess"}},
		{"no policy", keyNoIAM, awsSecrets[keyNoIAM], "access_key_id", "missing_policy", []any{"IAMReadOnlyAccess"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := h.do("POST", AWSAccountsPath, map[string]any{"name": "P", "access_key_id": tc.key, "secret_access_key": tc.secret})
			ds := a.details()
			if a.status != http.StatusUnprocessableEntity || a.errCode() != "aws_connection_failed" || len(ds) != 1 ||
				ds[0]["field"] != tc.field || ds[0]["reason"] != tc.reason || !reflect.DeepEqual(ds[0]["missing"], any(tc.missing)) && tc.missing != nil {
				t.Errorf("got %d %s, want 422 aws_connection_failed with %s on %s, missing %v", a.status, a.raw, tc.reason, tc.field, tc.missing)
			}
			if tc.missing == nil && ds != nil && ds[0]["missing"] != nil {
				t.Errorf("missing given with %s: %s", tc.reason, a.raw)
			}
			if strings.Contains(string(a.raw), tc.secret) {
				t.Errorf("the answer holds the secret: %s", a.raw)
			}
		})
	}
	if a := h.do("GET", AWSAccountsPath, nil); len(a.body["items"].([]any)) != 0 {
		t.Errorf("a refused create connected something: %s", a.raw)
	}
	h.clock.Advance(20 * time.Second)
	if a := h.connectAWS(keyNew); a.body["account_id"] != account1 {
		t.Errorf("the key once propagated: %s", a.raw)
	}
}

// TestAWSAccount_idempotentCreate: the contract's Idempotency-Key rules hold for AWS accounts
// too: a replay creates nothing and answers the first answer, even after a disconnection;
// another body is refused; a key in flight is refused; keys of another collection are apart.
func TestAWSAccount_idempotentCreate(t *testing.T) {
	h := newHarness(t, Options{AWS: loadAWS(t)})
	body := awsBody("P", keyDirect)
	first := h.do("POST", AWSAccountsPath, body, "Idempotency-Key", "k1")
	if first.status != http.StatusCreated || first.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first: %d %v %s", first.status, first.header, first.raw)
	}
	h.clock.Advance(time.Minute)
	again := h.do("POST", AWSAccountsPath, body, "Idempotency-Key", "k1")
	if again.status != http.StatusCreated || again.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again.raw, first.raw) {
		t.Errorf("replay: %d %v %s, want the first answer replayed", again.status, again.header, again.raw)
	}
	if a := h.do("POST", AWSAccountsPath, awsBody("P", keyOther), "Idempotency-Key", "k1"); a.status != http.StatusUnprocessableEntity || a.errCode() != codeIdempotencyKeyReused {
		t.Errorf("another body: %d %s", a.status, a.raw)
	}
	if a := h.do("POST", tenantsPath, tenantBody(tenantA, appA1, "s", "read"), "Idempotency-Key", "k1"); a.status != http.StatusCreated {
		t.Errorf("the same key on the Azure tenants: %d %s, want a create of its own", a.status, a.raw)
	}
	// A refusal is replayed as it was, its request_id included (so not through h.do, which
	// holds every error's request_id to its answer's X-Request-Id).
	refused, err := json.Marshal(map[string]any{"name": "P", "access_key_id": keyOther, "secret_access_key": wrongSecret})
	if err != nil {
		t.Fatal(err)
	}
	var answers [2][]byte
	for i := range answers {
		req, err := http.NewRequest("POST", h.ts.URL+AWSAccountsPath, bytes.NewReader(refused))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+h.token)
		req.Header.Set("Idempotency-Key", "k2")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		answers[i], err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusUnprocessableEntity || (i == 1) != (resp.Header.Get("Idempotent-Replayed") == "true") {
			t.Fatalf("refused create %d: %d %v %s %v", i, resp.StatusCode, resp.Header, answers[i], err)
		}
	}
	if !bytes.Contains(answers[0], []byte(`"aws_connection_failed"`)) || !bytes.Equal(answers[0], answers[1]) {
		t.Errorf("a refusal and its replay: %s / %s", answers[0], answers[1])
	}
	if a := h.do("DELETE", AWSAccountsPath+"/"+account1, nil); a.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", a.status, a.raw)
	}
	if a := h.do("POST", AWSAccountsPath, body, "Idempotency-Key", "k1"); a.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(a.raw, first.raw) {
		t.Errorf("replay after a disconnection: %d %s, want the first answer", a.status, a.raw)
	}
	if a := h.do("GET", AWSAccountsPath+"/"+account1, nil); a.status != http.StatusNotFound {
		t.Errorf("a replay connected again: %d %s", a.status, a.raw)
	}

	// In flight: the first request waits, on the emulator's clock, after claiming its key.
	if err := h.srv.AddFault(Fault{Route: "POST " + AWSAccountsPath, LatencyMS: 300, Count: 1}); err != nil {
		t.Fatal(err)
	}
	done := make(chan answer)
	go func() { done <- h.do("POST", AWSAccountsPath, awsBody("P", keyOther), "Idempotency-Key", "k3") }()
	h.blockUntilWaiting(1)
	if a := h.do("POST", AWSAccountsPath, awsBody("P", keyOther), "Idempotency-Key", "k3"); a.status != http.StatusConflict || a.errCode() != codeIdempotencyKeyInUse {
		t.Errorf("in flight: %d %s", a.status, a.raw)
	}
	h.clock.Advance(300 * time.Millisecond)
	if a := <-done; a.status != http.StatusCreated {
		t.Errorf("the slow first request: %d %s", a.status, a.raw)
	}
}

// TestAWSAccount_conflicts: one connection per account, named so that the client can give the
// import command, whichever key of the account a create brings; a key of another connection
// is refused on PATCH with credential_in_use.
func TestAWSAccount_conflicts(t *testing.T) {
	h := newHarness(t, Options{AWS: loadAWS(t)})
	h.connectAWS(keyDirect)
	h.connectAWS(keyOther)
	for _, c := range []struct{ name, key, secret string }{
		{"another key of the account", keyRoot, awsSecrets[keyRoot]},
		{"the connection's own key", keyDirect, awsSecrets[keyDirect]},
		{"the connection's own key with a wrong secret", keyDirect, wrongSecret},
	} {
		a := h.do("POST", AWSAccountsPath, map[string]any{"name": "P", "access_key_id": c.key, "secret_access_key": c.secret})
		if a.status != http.StatusConflict || a.errCode() != codeAlreadyConnected || !a.hasDetail("account_id", "already_connected") ||
			a.message() != "a connection for AWS account 111122223333 already exists; import it or delete it first" {
			t.Errorf("%s: %d %s, want 409 already_connected naming 111122223333", c.name, a.status, a.raw)
		}
	}
	a := h.do("PATCH", AWSAccountsPath+"/"+account2, map[string]any{"access_key_id": keyDirect, "secret_access_key": awsSecrets[keyDirect]})
	if a.status != http.StatusConflict || a.errCode() != codeCredentialInUse || !a.hasDetail("access_key_id", "in_use") {
		t.Errorf("PATCH with another connection's key: %d %s, want 409 credential_in_use", a.status, a.raw)
	}
	if strings.Contains(string(a.raw), awsSecrets[keyDirect]) {
		t.Errorf("the answer holds the secret: %s", a.raw)
	}
	if a := h.do("GET", AWSAccountsPath+"/"+account2, nil); a.body["access_key_id"] != keyOther {
		t.Errorf("a refused PATCH changed the key: %s", a.raw)
	}
}

// TestAWSAccount_patchRules: the key ID and its secret change together; a new key is verified
// first and must be of the same account; the account cannot change; a rotation is in place
// and restarts synchronization; the old key is free once replaced.
func TestAWSAccount_patchRules(t *testing.T) {
	h := newHarness(t, Options{AWS: loadAWS(t), SyncDuration: 30 * time.Second})
	h.connectAWS(keyDirect)
	path := AWSAccountsPath + "/" + account1
	h.clock.Advance(time.Minute)

	if a := h.do("PATCH", path, map[string]any{"access_key_id": keyGroup}); a.status != http.StatusBadRequest || !a.hasDetail("secret_access_key", "required") {
		t.Errorf("the key ID alone: %d %s, want 400 secret_access_key required", a.status, a.raw)
	}
	if a := h.do("PATCH", path, map[string]any{"secret_access_key": awsSecrets[keyGroup]}); a.status != http.StatusBadRequest || !a.hasDetail("access_key_id", "required") {
		t.Errorf("another secret alone: %d %s, want 400 access_key_id required", a.status, a.raw)
	}
	renamed := h.do("PATCH", path, map[string]any{"secret_access_key": awsSecrets[keyDirect], "name": "Renamed"})
	if renamed.status != http.StatusOK || renamed.body["name"] != "Renamed" || renamed.body["synchronization"].(map[string]any)["state"] != "succeeded" {
		t.Errorf("the same secret alone is no change: %d %s", renamed.status, renamed.raw)
	}
	if a := h.do("PATCH", path, map[string]any{"account_id": account2}); a.status != http.StatusBadRequest || !a.hasDetail("account_id", "immutable") {
		t.Errorf("another account_id: %d %s, want 400 immutable", a.status, a.raw)
	}
	if a := h.do("PATCH", path, map[string]any{"account_id": account1}); a.status != http.StatusOK {
		t.Errorf("the same account_id: %d %s", a.status, a.raw)
	}
	h.clock.Advance(time.Minute)
	refusals := []struct {
		name, key, secret string
		status            int
		field, reason     string
	}{
		{"a wrong secret", keyGroup, wrongSecret, http.StatusUnprocessableEntity, "secret_access_key", "invalid_access_key"},
		{"a key without the policy", keyNoPolicy, awsSecrets[keyNoPolicy], http.StatusUnprocessableEntity, "access_key_id", "missing_policy"},
		{"a key of another account", keyOther, awsSecrets[keyOther], http.StatusBadRequest, "access_key_id", "other_account"},
	}
	for _, r := range refusals {
		a := h.do("PATCH", path, map[string]any{"access_key_id": r.key, "secret_access_key": r.secret, "name": "Changed"})
		if a.status != r.status || !a.hasDetail(r.field, r.reason) {
			t.Errorf("%s: %d %s, want %d %s/%s", r.name, a.status, a.raw, r.status, r.field, r.reason)
		}
		if r.reason == "other_account" && (a.errCode() != codeValidationFailed || !strings.Contains(a.message(), account2)) {
			t.Errorf("%s: %s, want validation_failed naming %s", r.name, a.raw, account2)
		}
	}
	if a := h.do("GET", path, nil); a.body["access_key_id"] != keyDirect || a.body["name"] != "Renamed" || a.body["updated_at"] != renamed.body["updated_at"] {
		t.Errorf("a refused PATCH changed something: %s", a.raw)
	}

	rotated := h.do("PATCH", path, map[string]any{"access_key_id": keyGroup, "secret_access_key": awsSecrets[keyGroup]})
	if rotated.status != http.StatusOK || rotated.body["access_key_id"] != keyGroup || rotated.body["account_id"] != account1 ||
		!reflect.DeepEqual(rotated.body["synchronization"], syncWant("pending", "10:00:30", "")) ||
		rotated.body["updated_at"] != "2026-11-26T10:02:00Z" {
		t.Errorf("rotation: %d %s, want the new key, a run pending at once, updated_at now", rotated.status, rotated.raw)
	}
	// The old key is free: another connection is refused it as a key of another account,
	// no longer as a key in use.
	h.connectAWS(keyOther)
	if a := h.do("PATCH", AWSAccountsPath+"/"+account2, map[string]any{"access_key_id": keyDirect, "secret_access_key": awsSecrets[keyDirect]}); !a.hasDetail("access_key_id", "other_account") {
		t.Errorf("the replaced key: %d %s, want other_account", a.status, a.raw)
	}
	if a := h.do("PATCH", AWSAccountsPath+"/999988887777", map[string]any{"name": "x"}); a.status != http.StatusNotFound ||
		a.message() != "no connection for AWS account 999988887777" {
		t.Errorf("PATCH of an account not connected: %d %s", a.status, a.raw)
	}
}

// listKeys follows next_page_token over path's pages, and returns the items' values of field
// and how many pages it read, failing if any item has a member of notField.
func (h *harness) listKeys(path, query, field, notField string) (keys []string, pages int) {
	h.t.Helper()
	token := ""
	for {
		q := "?" + query
		if token != "" {
			q += "&page_token=" + token
		}
		a := h.do("GET", path+q, nil)
		if a.status != http.StatusOK {
			h.t.Fatalf("page: %d %s", a.status, a.raw)
		}
		pages++
		for _, it := range a.body["items"].([]any) {
			item := it.(map[string]any)
			if _, ok := item[notField]; ok {
				h.t.Errorf("%s lists an item with %s: %v", path, notField, item)
			}
			keys = append(keys, item[field].(string))
		}
		if token, _ = a.body["next_page_token"].(string); token == "" {
			return keys, pages
		}
	}
}

// TestAWSAccount_listKeepsKindsApart: the AWS accounts' list pages and filters as the
// contract says, shows AWS accounts only, and refuses the page tokens of another kind.
func TestAWSAccount_listKeepsKindsApart(t *testing.T) {
	h := newHarness(t, Options{}) // demo mode: any key of the form connects an account of its own
	for i := range 3 {
		h.mustCreate(tenantBody(fmt.Sprintf("%08d-0000-4000-8000-000000000000", i), appA1, fmt.Sprint("s", i), "read"))
	}
	for i := range 5 {
		b := awsBody("P", fmt.Sprintf("AKIALISTKEY%09d", i))
		b["secret_access_key"] = strings.Repeat("s", 40)
		b["tags"] = []string{"all", fmt.Sprint("n", i%2)}
		if i == 4 {
			b["status"] = "inactive"
		}
		if a := h.do("POST", AWSAccountsPath, b); a.status != http.StatusCreated {
			t.Fatalf("create %d: %d %s", i, a.status, a.raw)
		}
	}
	accounts, pages := h.listKeys(AWSAccountsPath, "page_size=2", "account_id", "tenant_id")
	if pages != 3 || len(accounts) != 5 || !slices.IsSorted(accounts) {
		t.Errorf("AWS accounts: %v in %d pages, want 5 sorted in 3", accounts, pages)
	}
	if tenants, _ := h.listKeys(tenantsPath, "", "tenant_id", "account_id"); len(tenants) != 3 {
		t.Errorf("Azure tenants: %v, want 3", tenants)
	}
	for q, want := range map[string]int{
		"status=inactive": 1, "status=active": 4, "tag=all": 5, "tag=n0": 3, "tag=n0&status=active": 2, "tag=n0&tag=n1": 0,
	} {
		if got, _ := h.listKeys(AWSAccountsPath, q, "account_id", "tenant_id"); len(got) != want {
			t.Errorf("%s: %d accounts, want %d", q, len(got), want)
		}
	}
	azurePage := h.do("GET", tenantsPath+"?page_size=1", nil)
	tok, _ := azurePage.body["next_page_token"].(string)
	for _, q := range []string{"page_token=" + tok, "page_token=" + base64.RawURLEncoding.EncodeToString([]byte("12345")), "status=on", "page_size=201"} {
		if a := h.do("GET", AWSAccountsPath+"?"+q, nil); a.status != http.StatusBadRequest || a.errCode() != codeValidationFailed {
			t.Errorf("%s: %d %s, want 400", q, a.status, a.raw)
		}
	}
}

// TestAWSAccount_reprocess: Reprocess of an AWS account starts one run, answers the run under
// way, refuses an inactive connection and names an unknown account; its route is its own.
func TestAWSAccount_reprocess(t *testing.T) {
	h := newHarness(t, Options{AWS: loadAWS(t), SyncDuration: 30 * time.Second})
	created := h.connectAWS(keyDirect)
	path := AWSAccountsPath + "/" + account1 + "/reprocess"
	h.clock.Advance(time.Minute)
	a := h.do("POST", path, nil)
	if a.status != http.StatusAccepted || a.body["account_id"] != account1 || a.body["updated_at"] != created.body["updated_at"] ||
		!reflect.DeepEqual(a.body["synchronization"], syncWant("pending", "10:00:30", "")) {
		t.Fatalf("reprocess: %d %s, want 202 with a run pending", a.status, a.raw)
	}
	h.clock.Advance(15 * time.Second)
	if a := h.do("POST", path, nil); a.status != http.StatusAccepted || !reflect.DeepEqual(a.body["synchronization"], syncWant("running", "10:00:30", "")) {
		t.Errorf("reprocess during the run: %d %s, want that run", a.status, a.raw)
	}
	h.clock.Advance(15 * time.Second)
	if a := h.do("GET", AWSAccountsPath+"/"+account1, nil); !reflect.DeepEqual(a.body["synchronization"], syncWant("succeeded", "10:01:30", "10:16:30")) {
		t.Errorf("after the run: %s, want one run, ended at 10:01:30", a.raw)
	}
	if a := h.do("PATCH", AWSAccountsPath+"/"+account1, map[string]any{"status": "inactive"}); a.status != http.StatusOK {
		t.Fatalf("deactivate: %d %s", a.status, a.raw)
	}
	if a := h.do("POST", path, nil); a.status != http.StatusConflict || a.errCode() != codeConnectionInactive ||
		!strings.Contains(a.message(), "AWS account 111122223333 is inactive") || !strings.Contains(a.message(), "activate it first") {
		t.Errorf("reprocess of an inactive account: %d %s", a.status, a.raw)
	}
	if a := h.do("POST", AWSAccountsPath+"/"+account2+"/reprocess", nil); a.status != http.StatusNotFound || a.message() != "no connection for AWS account 444455556666" {
		t.Errorf("reprocess of an unknown account: %d %s", a.status, a.raw)
	}
	if c := h.srv.Counts(); c.Total(AWSReprocessRoute, "202") != 2 || c.Total(AWSReprocessRoute, "409") != 1 || c.Total(ReprocessRoute, "") != 0 {
		t.Errorf("counts: %v / %v", c.Routes[AWSReprocessRoute], c.Routes[ReprocessRoute])
	}
}

// TestAWSAccount_synchronizationFailsWhenTheKeyExpires: the first run after the key stopped
// working fails with invalid_credentials; a rotation to a working key of the account mends it.
func TestAWSAccount_synchronizationFailsWhenTheKeyExpires(t *testing.T) {
	h := newHarness(t, Options{AWS: loadAWS(t), SyncDuration: 30 * time.Second})
	h.connectAWS(keyExpiring) // refused from 10:01:00 on
	sync := func() map[string]any {
		t.Helper()
		return h.do("GET", AWSAccountsPath+"/"+account1, nil).body["synchronization"].(map[string]any)
	}
	h.clock.Advance(30 * time.Second)
	if got := sync(); !reflect.DeepEqual(got, syncWant("succeeded", "10:00:30", "10:15:30")) {
		t.Errorf("before the expiry: %v", got)
	}
	h.clock.Advance(15*time.Minute + 30*time.Second)
	got := sync()
	if got["state"] != "failed" || got["reason"] != "invalid_credentials" || got["last_run_at"] != "2026-11-26T10:16:00Z" ||
		got["next_run_at"] != "2026-11-26T10:31:00Z" || !strings.Contains(got["message"].(string), "access key "+keyExpiring) ||
		!strings.Contains(got["message"].(string), "expired") {
		t.Errorf("after the expiry: %v, want failed at 10:16:00 with invalid_credentials naming the key", got)
	}
	a := h.do("PATCH", AWSAccountsPath+"/"+account1, map[string]any{"access_key_id": keyDirect, "secret_access_key": awsSecrets[keyDirect]})
	if a.status != http.StatusOK || !reflect.DeepEqual(a.body["synchronization"], syncWant("pending", "10:16:00", "")) {
		t.Fatalf("rotation: %d %s, want a run pending at once", a.status, a.raw)
	}
	h.clock.Advance(30 * time.Second)
	if got := sync(); !reflect.DeepEqual(got, syncWant("succeeded", "10:16:30", "10:31:30")) {
		t.Errorf("after the rotation: %v, want succeeded", got)
	}
}

// TestAWSDirectory_synchronizeReasons: a run fails with invalid_credentials when STS refuses
// the connection's key at its end, with missing_permissions when its user lacks the policy,
// and succeeds otherwise or without a directory.
func TestAWSDirectory_synchronizeReasons(t *testing.T) {
	d := loadAWS(t)
	cases := []struct {
		key          string
		at           time.Duration
		reason, text string
	}{
		{keyDirect, time.Hour, "", ""},
		{keyGroup, 0, "", ""},
		{keyRoot, 0, "", ""},
		{keyExpiring, 59 * time.Second, "", ""},
		{keyExpiring, 60 * time.Second, "invalid_credentials", "AKIAEXPIRESAFTER0060 was deleted or deactivated, or has expired"},
		{keyInactive, 0, "invalid_credentials", "AKIAINACTIVEKEY00001"},
		{keyUnknown, 0, "invalid_credentials", "create a new access key"},
		{keyNew, 0, "invalid_credentials", "AKIANEWKEYVALIDLATER"},
		{keyNoPolicy, 0, "missing_permissions", "arn:aws:iam::111122223333:user/no-policy lacks IAMReadOnlyAccess"},
		{keyNoIAM, 0, "missing_permissions", "IAMReadOnlyAccess"},
	}
	for _, c := range cases {
		reason, msg := d.synchronize(c.key, c.at)
		if reason != c.reason || !strings.Contains(msg, c.text) || (c.reason == "") != (msg == "") {
			t.Errorf("%s at %v: %q %q, want %q with a message containing %q", c.key, c.at, reason, msg, c.reason, c.text)
		}
	}
	if reason, msg := (*AWSDirectory)(nil).synchronize(keyUnknown, 0); reason != "" || msg != "" {
		t.Errorf("demo mode: %q %q, want success", reason, msg)
	}
}

// TestAWSAccount_demoMode: without a fixture any key of the contract's form connects an
// account of 12 digits of its own, whatever its secret.
func TestAWSAccount_demoMode(t *testing.T) {
	h := newHarness(t, Options{})
	accounts := map[string]bool{}
	for _, key := range []string{"AKIADEMOKEY000000001", "AKIADEMOKEY000000002"} {
		a := h.do("POST", AWSAccountsPath, map[string]any{"name": "Demo", "access_key_id": key, "secret_access_key": wrongSecret})
		account, _ := a.body["account_id"].(string)
		if a.status != http.StatusCreated || !regexp.MustCompile(`^[0-9]{12}$`).MatchString(account) {
			t.Fatalf("%s: %d %s", key, a.status, a.raw)
		}
		if g := h.do("GET", AWSAccountsPath+"/"+account, nil); g.body["access_key_id"] != key {
			t.Errorf("get %s: %s", account, g.raw)
		}
		accounts[account] = true
	}
	if len(accounts) != 2 {
		t.Errorf("two keys connected %v, want two accounts", accounts)
	}
}

// TestStateFile_keepsAWSAccounts: AWS accounts survive a restart with their secret as a hash
// only, and their key is still in use after it.
func TestStateFile_keepsAWSAccounts(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state.json")
	h := newHarness(t, Options{StateFile: file, AWS: loadAWS(t)})
	h.connectAWS(keyDirect)
	h.mustCreate(tenantBody(tenantA, appA1, "s", "read"))
	before := h.do("GET", AWSAccountsPath+"/"+account1, nil)
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(awsSecrets[keyDirect])) {
		t.Errorf("the state file holds the secret access key: %s", raw)
	}
	var st struct {
		SecretSalt  []byte                               `json:"secret_salt"`
		Tenants     map[string]map[string]any            `json:"tenants"`
		Connections map[string]map[string]map[string]any `json:"connections"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	got := st.Connections["aws_accounts"][account1]
	wantHash := base64.StdEncoding.EncodeToString(argon2.IDKey([]byte(awsSecrets[keyDirect]), st.SecretSalt, 2, 19*1024, 1, 32))
	if got["access_key_id"] != keyDirect || got["secret_hash"] != wantHash || len(st.Tenants) != 1 || st.Tenants[tenantA] == nil {
		t.Errorf("the state file: %s", raw)
	}

	h2 := newHarness(t, Options{StateFile: file, AWS: loadAWS(t)})
	if a := h2.do("GET", AWSAccountsPath+"/"+account1, nil); a.status != http.StatusOK || !bytes.Equal(a.raw, before.raw) {
		t.Errorf("after a restart: %d %s, want %s", a.status, a.raw, before.raw)
	}
	h2.connectAWS(keyOther)
	if a := h2.do("PATCH", AWSAccountsPath+"/"+account2, map[string]any{"access_key_id": keyDirect, "secret_access_key": awsSecrets[keyDirect]}); a.errCode() != codeCredentialInUse {
		t.Errorf("after a restart, the key of a connection: %d %s, want credential_in_use", a.status, a.raw)
	}
}
