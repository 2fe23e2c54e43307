package provider

import (
	"strings"
	"testing"

	"github.com/segura/terraform-provider-segura/internal/azure"
	"github.com/segura/terraform-provider-segura/internal/client"
)

// TestSyncFailure_azureAdvice: each reason of a failed synchronization gets its own advice; the
// missing permissions and roles are named with their IDs, for the connection's mode.
func TestSyncFailure_azureAdvice(t *testing.T) {
	const id = "5f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44"
	failed := func(reason string) client.Synchronization {
		return client.Synchronization{State: client.SyncFailed, Reason: reason, Message: "said by Segura"}
	}
	for _, mode := range azure.Modes {
		summary, detail := syncFailure("Azure tenant", id, failed(client.SyncReasonMissingPermissions), azureSyncFixes(mode))
		if summary != "Synchronization of Azure tenant "+id+" lacks permissions" || !strings.Contains(detail, `"said by Segura"`) {
			t.Errorf("%s: missing_permissions: %q\n%s", mode, summary, detail)
		}
		needed := azure.RequiredPermissions(mode)
		for _, p := range needed {
			if !strings.Contains(detail, p.Name+" (app role "+p.ID+")") {
				t.Errorf("%s: missing_permissions does not name %s with its ID:\n%s", mode, p.Name, detail)
			}
		}
		if mode == azure.ModeRead && strings.Contains(detail, "Application.ReadWrite.All") {
			t.Errorf("read: missing_permissions names a permission of read_write only:\n%s", detail)
		}

		summary, detail = syncFailure("Azure tenant", id, failed(client.SyncReasonMissingRole), azureSyncFixes(mode))
		if summary != "Synchronization of Azure tenant "+id+" lacks a role" {
			t.Errorf("%s: missing_role: %q", mode, summary)
		}
		for _, r := range azure.RequiredRoles(mode) {
			if !strings.Contains(detail, r.Name+" (role definition "+r.ID+")") {
				t.Errorf("%s: missing_role does not name %s with its ID:\n%s", mode, r.Name, detail)
			}
		}
	}

	summary, detail := syncFailure("Azure tenant", id, failed(client.SyncReasonInvalidCredentials), azureSyncFixes(azure.ModeRead))
	if !strings.Contains(summary, "no longer work") || !strings.Contains(detail, "Rotating the client secret") {
		t.Errorf("invalid_credentials: %q\n%s", summary, detail)
	}
	summary, detail = syncFailure("Azure tenant", id, failed(client.SyncReasonInternal), azureSyncFixes(azure.ModeRead))
	if summary != "Synchronization of Azure tenant "+id+" failed" || !strings.Contains(detail, "(internal)") ||
		!strings.Contains(detail, "contact Segura support") {
		t.Errorf("internal: %q\n%s", summary, detail)
	}
}
