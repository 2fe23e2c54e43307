package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
)

// These tests pin DESIGN.md's "Azure pre-flight": when it runs, and what an Entra ID that
// cannot be reached costs.

// TestAccCLI_preflightOfAnUnreachableEntraID: with an Entra ID that cannot be reached, a create
// warns once, however many times Entra ID propagation makes it try, and Segura's verification
// decides. An update of a connection imported without a secret (its mode changes) signs in to
// nothing, so it warns of nothing. The warnings show only in the CLI's output.
func TestAccCLI_preflightOfAnUnreachableEntraID(t *testing.T) {
	late, imported := newTestDirectory(2), newTestDirectory(0) // late's secret signs in 2 s after the emulator started
	dir := &emulator.Directory{Tenants: append(late.dir.Tenants, imported.dir.Tenants...)}
	e := newCLIEnvOf(t, emulator.Options{Directory: dir}, "its directory makes a secret valid only after some seconds", nil)
	provider := fmt.Sprintf(`terraform {
  required_providers {
    segura = {
      source = "segura/segura"
    }
  }
}

provider "segura" {
  url                  = %q
  client_id            = %q
  azure_authority_host = "https://127.0.0.1:1/"
}
`, e.url, emulator.DemoClientID)
	skipped := func(out string) int {
		n := 0
		for _, d := range diagnostics(out) {
			if d.kind == "Warning" && d.summary == "Azure pre-flight check skipped" {
				n++
			}
		}
		if strings.Contains(out, "similar warning") {
			n++ // Terraform shows one of the warnings that share a summary, and counts the others
		}
		return n
	}

	lateHCL := tenantHCL("late", late.config(late.lateApp, "read"))
	e.writeConfig(provider + lateHCL)
	out := e.apply()
	if n := skipped(out); n != 1 {
		t.Errorf("the create warned %d times that the pre-flight was skipped, want once:\n%s", n, out)
	}
	if n := e.count(createRoute, "422"); n < 1 {
		t.Errorf("Segura refused %d creates: the apply did not meet propagation, so it tried once", n)
	}
	if !e.stateTenants()[late.tenantID] {
		t.Errorf("Segura's verification did not connect %s:\n%s", late.tenantID, out)
	}

	// A connection made outside Terraform, imported and managed without its secret.
	c := imported.config(imported.goodApp, "read")
	if _, err := e.api.CreateAzureTenant(context.Background(), client.CreateAzureTenantInput{Name: "Imported", TenantID: c.tenantID,
		ApplicationID: c.appID, SecretValue: c.secret, IntegrationMode: "read"}); err != nil {
		t.Fatal(err)
	}
	noSecret := func(mode string) string {
		return fmt.Sprintf("resource \"segura_azure_tenant\" \"imported\" {\n  name             = \"Imported\"\n  tenant_id        = %q\n"+
			"  application_id   = %q\n  integration_mode = %q\n}\n", c.tenantID, c.appID, mode)
	}
	e.writeConfig(provider + lateHCL + noSecret("read"))
	if out, err := e.run("import", "segura_azure_tenant.imported", c.tenantID); err != nil {
		t.Fatalf("import (%v):\n%s", err, out)
	}
	e.writeConfig(provider + lateHCL + noSecret("read_write"))
	out = e.apply()
	if n := skipped(out); n != 0 {
		t.Errorf("an update without a secret in the configuration warned %d times that the pre-flight was skipped:\n%s", n, out)
	}
	if n := e.count(updateRoutePattern, "200"); n != 1 {
		t.Errorf("%d updates, want 1: the mode change", n)
	}
}

const updateRoutePattern = "PATCH /api/cloud-entitlements/v1/azure/tenants/{tenant_id}"

// TestAccAzureTenant_preflightBeforeASecretRotation: an update that sends a new secret is
// checked by the pre-flight first, so a secret that Entra ID refuses never reaches Segura.
func TestAccAzureTenant_preflightBeforeASecretRotation(t *testing.T) {
	d := newTestDirectory(0)
	e := newEmulatorEnv(t, emulator.Options{Directory: d.dir}, "it signs in to the emulator's Entra ID")
	good := d.config(d.goodApp, "read")
	wrong := good
	wrong.secret = "not-the-secret"
	const noWait = `azure_propagation_timeout = "0s"`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(d.tenantID),
		Steps: []resource.TestStep{
			{Config: e.configWith(noWait, good.hcl())},
			{
				Config:      e.configWith(noWait, wrong.hcl()),
				ExpectError: expectError(`Azure refused the client secret(.|\n)*secret_value(.|\n)*AADSTS7000215(.|\n)*pre-flight`),
			},
		},
	})
	if n := e.count(updateRoutePattern, ""); n != 0 {
		t.Errorf("%d updates reached Segura; the pre-flight should have stopped the rotation", n)
	}
	if n := e.count(entraTokenRoute, "401"); n != 1 {
		t.Errorf("Entra ID refused %d sign-ins, want 1: the rotation's", n)
	}
}
