package azure_test

import (
	"testing"

	"github.com/segura/terraform-provider-segura/internal/azure"
	"github.com/segura/terraform-provider-segura/internal/client"
)

// TestReasons_areTheContractsWords: the pre-flight's reasons are the API's, so that the
// provider treats a refusal alike whichever of the two found it.
func TestReasons_areTheContractsWords(t *testing.T) {
	for ours, contract := range map[string]string{
		azure.ReasonInvalidClientSecret: client.ReasonInvalidClientSecret,
		azure.ReasonApplicationNotFound: client.ReasonApplicationNotFound,
		azure.ReasonTenantNotFound:      client.ReasonTenantNotFound,
		azure.ReasonMissingPermissions:  client.ReasonMissingPermissions,
		azure.ReasonMissingRole:         client.ReasonMissingRole,
	} {
		if ours != contract {
			t.Errorf("the pre-flight says %q where the API says %q", ours, contract)
		}
	}
}
