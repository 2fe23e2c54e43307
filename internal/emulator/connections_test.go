package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/crypto/argon2"
)

// decodeInput decodes a body of an Azure tenant, as FuzzDecodeInput calls it: the decoding
// every kind shares, with the Azure kind's fields.
func decodeInput(body []byte) (input, []detail) { return azureTenants.decode(body) }

// TestStateFile_loadsAFileOfTheFirstEmulators: a state file as emulators wrote it before
// connections had kinds (an Azure tenant's fields beside the record's own, under "tenants")
// loads: the connection reads as it was, and its secret is still in use.
func TestStateFile_loadsAFileOfTheFirstEmulators(t *testing.T) {
	salt := []byte("0123456789abcdef")
	st := map[string]any{
		"secret_salt": salt,
		"tenants": map[string]any{tenantA: map[string]any{
			"tenant_id": tenantA, "name": "Production", "application_id": appA1, "integration_mode": "read_write",
			"tags": []string{"finance"}, "status": "inactive",
			"connected_at": "2026-11-20T08:00:00Z", "updated_at": "2026-11-21T09:30:00Z",
			"secret_hash":     argon2.IDKey([]byte("old-secret"), salt, 2, 19*1024, 1, 32),
			"sync_started_at": "2026-11-20T08:00:00Z",
			"frozen_sync":     map[string]any{"state": "succeeded", "last_run_at": "2026-11-20T08:00:03Z", "message": ""},
		}},
	}
	raw, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, Options{StateFile: file})
	a := h.do("GET", tenantsPath+"/"+tenantA, nil)
	want := `{"tenant_id":"` + tenantA + `","name":"Production","application_id":"` + appA1 + `","integration_mode":"read_write",` +
		`"tags":["finance"],"status":"inactive","connected_at":"2026-11-20T08:00:00Z","updated_at":"2026-11-21T09:30:00Z",` +
		`"synchronization":{"state":"succeeded","last_run_at":"2026-11-20T08:00:03Z","message":""}}` + "\n"
	if a.status != http.StatusOK || string(a.raw) != want {
		t.Errorf("the connection of an old state file: %d\n%s\nwant\n%s", a.status, a.raw, want)
	}
	if a := h.do("POST", tenantsPath, tenantBody(tenantB, appB1, "old-secret", "read")); a.errCode() != codeSecretInUse {
		t.Errorf("the secret of an old state file's connection: %d %s, want %s", a.status, a.raw, codeSecretInUse)
	}
}

// TestTags_atMostTenForEveryKind: Segura allows up to 10 tags (its Home page): ten are kept,
// an eleventh is refused with validation_failed on tags, in a create and in a PATCH, for
// every kind.
func TestTags_atMostTenForEveryKind(t *testing.T) {
	ten := []string{"t01", "t02", "t03", "t04", "t05", "t06", "t07", "t08", "t09", "t10"}
	eleven := append(slices.Clone(ten), "t11")
	h := newHarness(t, Options{AWS: loadAWS(t)})
	for _, k := range []struct {
		collection, item string
		body             func() map[string]any
	}{
		{tenantsPath, tenantsPath + "/" + tenantA, func() map[string]any { return tenantBody(tenantA, appA1, "s", "read") }},
		{AWSAccountsPath, AWSAccountsPath + "/" + account1, func() map[string]any { return awsBody("P", keyDirect) }},
	} {
		b := k.body()
		b["tags"] = eleven
		if a := h.do("POST", k.collection, b); a.status != http.StatusBadRequest || a.errCode() != codeValidationFailed ||
			!a.hasDetail("tags", "too_many") || a.message() != "tags at most 10 tags" {
			t.Errorf("%s: a create with 11 tags: %d %s, want 400 tags too_many", k.collection, a.status, a.raw)
		}
		b["tags"] = ten
		if a := h.do("POST", k.collection, b); a.status != http.StatusCreated || fmt.Sprint(a.body["tags"]) != fmt.Sprint(ten) {
			t.Errorf("%s: a create with 10 tags: %d %s", k.collection, a.status, a.raw)
		}
		if a := h.do("PATCH", k.item, map[string]any{"tags": eleven}); a.status != http.StatusBadRequest || !a.hasDetail("tags", "too_many") {
			t.Errorf("%s: a PATCH with 11 tags: %d %s, want 400 tags too_many", k.item, a.status, a.raw)
		}
		if a := h.do("GET", k.item, nil); fmt.Sprint(a.body["tags"]) != fmt.Sprint(ten) {
			t.Errorf("%s: a refused PATCH changed the tags: %s", k.item, a.raw)
		}
	}
}
