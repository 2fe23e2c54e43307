package provider

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/jonboulle/clockwork"

	"github.com/segura/terraform-provider-segura/internal/emulator"
)

// TestAccAzureTenant_updateKeepsTheRefreshedSynchronization pins DESIGN.md's "Answers": an
// update that does not restart synchronization keeps the synchronization that the refresh
// read, as its plan showed, even when a run finishes between the plan and the apply (here
// Segura's clock moves on by a minute at each PATCH, so that the update's answer has the run
// succeeded); the next refresh reads it anew. An update with a new secret or status restarts
// synchronization: its plan shows it as known after apply.
func TestAccAzureTenant_updateKeepsTheRefreshedSynchronization(t *testing.T) {
	clock := clockwork.NewFakeClock() // Segura's time; the provider's is the real one
	front := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPatch {
				clock.Advance(time.Minute) // a run of 3 s finishes meanwhile
			}
			next.ServeHTTP(w, r)
		})
	}
	e := newEmulatorEnvBehind(t, emulator.Options{Clock: clock}, "it moves Segura's clock on during an update", front)
	c := newTenantConfig()
	renamed := c
	renamed.name = "Renamed"
	inactive := renamed
	inactive.status = "inactive"
	rotated := inactive
	rotated.secret = "rotated-" + uuid.NewString()
	sync := tfjsonpath.New("synchronization")
	syncState := func(state string) []statecheck.StateCheck {
		return []statecheck.StateCheck{statecheck.ExpectKnownValue(tenantResource, sync.AtMapKey("state"), knownvalue.StringExact(state))}
	}
	restarts := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction(tenantResource, plancheck.ResourceActionUpdate),
		plancheck.ExpectUnknownValue(tenantResource, sync),
	}}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(c.tenantID),
		Steps: []resource.TestStep{
			{Config: e.config(c.hcl()), ConfigStateChecks: syncState("pending")},
			{
				// The refresh reads the run pending; the PATCH's answer has it succeeded. The
				// apply keeps what the plan showed, or Terraform would refuse its result.
				Config: e.config(renamed.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tenantResource, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(tenantResource, sync.AtMapKey("state"), knownvalue.StringExact("pending")),
				}},
				ConfigStateChecks: syncState("pending"),
			},
			{
				// The next refresh reads it anew.
				Config:            e.config(renamed.hcl()),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: syncState("succeeded"),
			},
			{Config: e.config(inactive.hcl()), ConfigPlanChecks: restarts},
			{Config: e.config(rotated.hcl()), ConfigPlanChecks: restarts},
		},
	})
}
