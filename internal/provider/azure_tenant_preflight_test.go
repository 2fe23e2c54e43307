package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"fmt"

	"github.com/segura/terraform-provider-segura/internal/emulator"
)

const (
	createRoute       = "POST /api/cloud-entitlements/v1/azure/tenants"
	entraTokenRoute   = "POST /{tenant}/oauth2/v2.0/token"
	graphAssignsRoute = "GET " + emulator.GraphAssignmentsRoute
)

// TestAccAzureTenant_preflight shows that the pre-flight refuses wrong credentials with
// exactly what is missing, before any request reaches Segura.
func TestAccAzureTenant_preflight(t *testing.T) {
	d := newTestDirectory(3600)
	e := newEmulatorEnv(t, emulator.Options{Directory: d.dir}, "it signs in to the emulator's Entra ID")
	wrongSecret := d.config(d.goodApp, "read")
	wrongSecret.secret = "not-the-secret"
	const noWait = `azure_propagation_timeout = "0s"`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(d.tenantID),
		Steps: []resource.TestStep{
			{
				Config:      e.configWith(noWait, wrongSecret.hcl()),
				ExpectError: expectError(`Azure refused the client secret(.|\n)*secret_value(.|\n)*AADSTS7000215(.|\n)*pre-flight`),
			},
			{
				Config: e.configWith(noWait, d.config(d.readOnlyApp, "read_write").hcl()),
				ExpectError: expectError(`Microsoft Graph permissions missing(.|\n)*application_id` +
					`(.|\n)*Application.ReadWrite.All \(app role 1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9\)` +
					`(.|\n)*AppRoleAssignment.ReadWrite.All \(app role 06b708a9-e830-4db3-a914-8e69da51d44f\)` +
					`(.|\n)*RoleManagement.ReadWrite.Directory \(app role 9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8\)` +
					`(.|\n)*grant admin consent(.|\n)*pre-flight`),
			},
		},
	})
	if n := e.count(createRoute, ""); n != 0 {
		t.Errorf("%d creates reached Segura; the pre-flight should have stopped them all", n)
	}
	if n := e.count(entraTokenRoute, ""); n < 2 {
		t.Errorf("the pre-flight signed in %d times, want at least 2", n)
	}
}

// TestAccAzureTenant_preflightUnreachable goes on, with a warning, when Entra ID cannot be
// reached: Segura verifies the credentials anyway.
func TestAccAzureTenant_preflightUnreachable(t *testing.T) {
	e := newEmulatorEnv(t, emulator.Options{}, "it sets the pre-flight's authority host")
	c := newTenantConfig()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(c.tenantID),
		Steps: []resource.TestStep{
			{
				Config: fmt.Sprintf("provider \"segura\" {\n  url = %q\n  client_id = %q\n  client_secret = %q\n"+
					"  azure_authority_host = \"https://127.0.0.1:1/\"\n}\n", e.url, e.id, e.secret) + c.hcl(),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("id"), knownvalue.StringExact(c.tenantID)),
				},
			},
		},
	})
}

// TestAccAzureTenant_propagation connects with a secret that Entra ID accepts only some
// seconds after it was made, as right after azuread creates it: the apply waits it out, with
// no time_sleep in the configuration.
func TestAccAzureTenant_propagation(t *testing.T) {
	d := newTestDirectory(4)
	e := newEmulatorEnv(t, emulator.Options{Directory: d.dir}, "its directory makes a secret valid only after some seconds")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(d.tenantID),
		Steps: []resource.TestStep{
			{
				Config: e.config(d.config(d.lateApp, "read_write").hcl()),
				Check: func(*terraform.State) error {
					if n := e.count(entraTokenRoute, "401"); n < 1 {
						return fmt.Errorf("Entra ID refused the new secret %d times; the test did not meet propagation: %+v", n, e.emu.Counts())
					}
					if n := e.count(createRoute, "201"); n != 1 {
						return fmt.Errorf("%d creates, want 1", n)
					}
					return nil
				},
			},
		},
	})
}

// TestAccAzureTenant_propagationGivesUp shows the diagnostic when permissions are missing for
// good: what was retried, for how long, and how to wait longer.
func TestAccAzureTenant_propagationGivesUp(t *testing.T) {
	d := newTestDirectory(0)
	e := newEmulatorEnv(t, emulator.Options{Directory: d.dir}, "its directory grants too few permissions")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(d.tenantID),
		Steps: []resource.TestStep{
			{
				Config: e.configWith(`azure_propagation_timeout = "3s"`, d.config(d.noRoleApp, "read").hcl()),
				// Waits of 1s and 2s fit in the 3s window; the next one does not.
				ExpectError: expectError(`Azure roles missing(.|\n)*Role Based Access Control Administrator \(role definition ` +
					`f58310d9-a9f6-439a-9e8d-f62e7b41a168\)(.|\n)*still answered missing_role after 3 tries over 3s` +
					`(.|\n)*azure_propagation_timeout(.|\n)*now 3s`),
			},
		},
	})
	if n := e.count(createRoute, "422"); n != 3 {
		t.Errorf("%d refused creates, want 3: one a try", n)
	}
}

// TestAccAzureTenant_timeoutBoundsPropagation stops waiting when the create timeout ends, even
// inside the propagation window.
func TestAccAzureTenant_timeoutBoundsPropagation(t *testing.T) {
	d := newTestDirectory(3600)
	e := newEmulatorEnv(t, emulator.Options{Directory: d.dir}, "its directory makes a secret valid only after an hour")
	c := d.config(d.lateApp, "read")
	c.extra = "  timeouts {\n    create = \"3s\"\n  }\n"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(d.tenantID),
		Steps: []resource.TestStep{
			{Config: e.config(c.hcl()), ExpectError: expectError(`Azure refused the client secret(.|\n)*still answered invalid_client_secret`)},
		},
	})
}

// TestAccAzureTenant_neverGrantedFailsAtOnce: permissions that the application's app role
// assignments do not list were never granted, so the pre-flight fails at once, naming them,
// instead of waiting azure_propagation_timeout for a consent that will never come.
func TestAccAzureTenant_neverGrantedFailsAtOnce(t *testing.T) {
	d := newTestDirectory(3600)
	e := newEmulatorEnv(t, emulator.Options{Directory: d.dir}, "it reads app role assignments from the emulator's Graph")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(d.tenantID),
		Steps: []resource.TestStep{
			{
				Config: e.configWith(`azure_propagation_timeout = "10m"`, d.config(d.readOnlyApp, "read_write").hcl()),
				ExpectError: expectError(`Microsoft Graph permissions missing(.|\n)*RoleManagement.ReadWrite.Directory` +
					`(.|\n)*never granted(.|\n)*did not wait`),
			},
		},
	})
	if n := e.count(entraTokenRoute, "200"); n != 1 {
		t.Errorf("the pre-flight signed in %d times; a permission never granted must not be waited for", n)
	}
	if n := e.count(graphAssignsRoute, "200"); n != 1 {
		t.Errorf("the pre-flight read the app role assignments %d times, want 1", n)
	}
	if n := e.count(createRoute, ""); n != 0 {
		t.Errorf("%d creates reached Segura", n)
	}
}

// TestAccAzureTenant_consentPropagation: permissions granted (listed among the app role
// assignments) but not yet in the application's tokens are waited for, and the apply
// succeeds once they arrive.
func TestAccAzureTenant_consentPropagation(t *testing.T) {
	d := newTestDirectory(5)
	e := newEmulatorEnv(t, emulator.Options{Directory: d.dir}, "its directory propagates a consent after some seconds")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(d.tenantID),
		Steps: []resource.TestStep{
			{
				Config: e.config(d.config(d.lateConsentApp, "read_write").hcl()),
				Check: func(*terraform.State) error {
					if n := e.count(graphAssignsRoute, "200"); n < 1 {
						return fmt.Errorf("the app role assignments were read %d times; the test did not meet propagation", n)
					}
					if n := e.count(entraTokenRoute, "200"); n < 2 {
						return fmt.Errorf("the pre-flight signed in %d times; it did not wait for the consent", n)
					}
					return nil
				},
			},
		},
	})
}
