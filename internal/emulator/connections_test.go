package emulator

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
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
