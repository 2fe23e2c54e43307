package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/segura/terraform-provider-segura/internal/emulator"
)

// These tests pin the wait for Entra ID propagation (DESIGN.md, "Entra ID propagation") through
// the provider as Terraform drives it, on a skipClock shared with the emulator: its waits take
// no real time and the emulator sees the time they stand for.

const updateRoute = "PATCH /api/cloud-entitlements/v1/azure/tenants/{tenant_id}"

// TestAccAzureTenant_propagationWaitsAtMost15s: the waits double from 1 s up to 15 s, and
// end with azure_propagation_timeout: in 1 minute, tries at 0, 1, 3, 7, 15, 30, 45 and 60 s.
func TestAccAzureTenant_propagationWaitsAtMost15s(t *testing.T) {
	d := newTestDirectory(0)
	e := newEmulatorEnv(t, emulator.Options{Directory: d.dir}, "its directory grants too few roles")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(d.tenantID),
		Steps: []resource.TestStep{
			{
				Config: e.configWith(`azure_propagation_timeout = "1m"`, d.config(d.noRoleApp, "read").hcl()),
				ExpectError: expectError(`Azure roles missing(.|\n)*still answered missing_role after 8 tries over 1m0s` +
					`(.|\n)*azure_propagation_timeout`),
			},
		},
	})
	if n := e.count(createRoute, "422"); n != 8 {
		t.Errorf("%d refused creates, want 8: one a try", n)
	}
}

// TestAccAzureTenant_propagationOnUpdate: an update that brings a secret Entra ID does not
// accept yet waits for it as a create does, and then succeeds.
func TestAccAzureTenant_propagationOnUpdate(t *testing.T) {
	d := newTestDirectory(4) // the late application's secret signs in 4 s after the emulator started
	e := newEmulatorEnv(t, emulator.Options{Directory: d.dir}, "its directory makes a secret valid only after some seconds")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(d.tenantID),
		Steps: []resource.TestStep{
			{
				Config: e.config(d.config(d.goodApp, "read").hcl()),
				Check: func(*terraform.State) error {
					if n := e.count(entraTokenRoute, "401"); n != 0 {
						return fmt.Errorf("Entra ID refused %d sign-ins of the create; the update would not be the one to wait", n)
					}
					return nil
				},
			},
			{
				Config: e.config(d.config(d.lateApp, "read").hcl()),
				Check: func(*terraform.State) error {
					if n := e.count(entraTokenRoute, "401"); n < 1 {
						return fmt.Errorf("Entra ID refused the new secret %d times; the update did not meet propagation", n)
					}
					if n := e.count(updateRoute, "200"); n != 1 {
						return fmt.Errorf("%d updates, want 1: %+v", n, e.emu.Counts())
					}
					return nil
				},
			},
		},
	})
}

// TestAccAzureTenant_propagationWithinTheDeadline: the wait ends with the operation's
// deadline when that comes before azure_propagation_timeout (3 minutes): with a create
// timeout of 10 s, tries at 0, 1, 3 and 7 s, since 8 s more would pass the deadline.
func TestAccAzureTenant_propagationWithinTheDeadline(t *testing.T) {
	d := newTestDirectory(3600)
	e := newEmulatorEnv(t, emulator.Options{Directory: d.dir}, "its directory makes a secret valid only after an hour")
	c := d.config(d.lateApp, "read")
	c.extra = "  timeouts {\n    create = \"10s\"\n  }\n"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(d.tenantID),
		Steps: []resource.TestStep{
			{
				Config: e.config(c.hcl()),
				ExpectError: expectError(`Azure refused the client secret(.|\n)*still answered invalid_client_secret after 4 tries over 7s` +
					`(.|\n)*azure_propagation_timeout(.|\n)*timeouts`),
			},
		},
	})
	if n := e.count(entraTokenRoute, "401"); n != 4 {
		t.Errorf("the pre-flight signed in %d times, want 4: one a try", n)
	}
}

// TestAccAzureTenant_propagationOffWithZero: azure_propagation_timeout = "0s" turns the wait
// off: a create that meets a reason propagation would explain is sent once.
func TestAccAzureTenant_propagationOffWithZero(t *testing.T) {
	d := newTestDirectory(0)
	e := newEmulatorEnv(t, emulator.Options{Directory: d.dir}, "its directory grants too few roles")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(d.tenantID),
		Steps: []resource.TestStep{
			{
				Config:      e.configWith(`azure_propagation_timeout = "0s"`, d.config(d.noRoleApp, "read").hcl()),
				ExpectError: expectError(`Azure roles missing`),
			},
		},
	})
	if n := e.count(createRoute, "422"); n != 1 {
		t.Errorf("%d refused creates, want 1: 0s waits for nothing", n)
	}
}

// TestAccAzureTenant_propagationTimeoutWins: propagation_timeout = "0s" turns the wait off for
// every kind, whatever the deprecated azure_propagation_timeout says.
func TestAccAzureTenant_propagationTimeoutWins(t *testing.T) {
	d := newTestDirectory(0)
	e := newEmulatorEnv(t, emulator.Options{Directory: d.dir}, "its directory grants too few roles")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(d.tenantID),
		Steps: []resource.TestStep{
			{
				Config: e.configWith("propagation_timeout = \"0s\"\n  azure_propagation_timeout = \"10m\"",
					d.config(d.noRoleApp, "read").hcl()),
				ExpectError: expectError(`Azure roles missing`),
			},
		},
	})
	if n := e.count(createRoute, "422"); n != 1 {
		t.Errorf("%d refused creates, want 1: propagation_timeout 0s waits for nothing", n)
	}
}
