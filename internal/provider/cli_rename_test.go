package provider

import (
	"strings"
	"testing"

	"github.com/jonboulle/clockwork"
)

// TestAccCLI_labelRenameNamesMoved: renaming a connection's label plans a disconnect and a new
// connection; the plan's warning names the moved block, and with it the plan only moves.
func TestAccCLI_labelRenameNamesMoved(t *testing.T) {
	e := newCLIEnv(t, clockwork.NewRealClock(), "it needs no fault, but drives the CLI through a rename")
	c := newTenantConfig()
	e.writeConfig(e.providerBlock("") + c.hcl())
	e.apply()

	renamed := strings.Replace(c.hcl(), `"segura_azure_tenant" "test"`, `"segura_azure_tenant" "renamed"`, 1)
	if renamed == c.hcl() {
		t.Fatalf("the configuration has no segura_azure_tenant.test to rename:\n%s", c.hcl())
	}
	e.writeConfig(e.providerBlock("") + renamed)
	out := e.plan()
	for _, want := range []string{"1 to add, 0 to change, 1 to destroy", "Warning: Azure tenant already connected with these settings",
		"moved {", "from = segura_azure_tenant.<old name>"} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan of a renamed label does not say %q:\n%s", want, out)
		}
	}

	e.writeConfig(e.providerBlock("") + renamed + "\nmoved {\n  from = segura_azure_tenant.test\n  to   = segura_azure_tenant.renamed\n}\n")
	out = e.plan()
	if !strings.Contains(out, "has moved to segura_azure_tenant.renamed") || !strings.Contains(out, "0 to add, 0 to change, 0 to destroy") ||
		strings.Contains(out, "Warning: Azure tenant already connected") {
		t.Errorf("with the moved block the plan still changes something:\n%s", out)
	}
}
