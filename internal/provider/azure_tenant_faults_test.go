package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/jonboulle/clockwork"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
)

// manyTenants is a configuration of n connections, each with an ID, application and secret of
// its own, tagged with run so that a test can find them on the server.
func manyTenants(run string, n int) (hcl string, tenantIDs []string) {
	var b strings.Builder
	for i := range n {
		id := newTenantID()
		tenantIDs = append(tenantIDs, id)
		fmt.Fprintf(&b, `
resource "segura_azure_tenant" "t%d" {
  name             = "Tenant %d"
  tenant_id        = %q
  application_id   = %q
  secret_value     = "secret-%s"
  integration_mode = "read"
  tags             = [%q]
}
`, i, i, id, uuid.NewString(), uuid.NewString(), run)
	}
	return b.String(), tenantIDs
}

// connectionsTagged counts the server's connections with the tag run, by tenant ID.
func (e *accEnv) connectionsTagged(t *testing.T, run string) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for tenant, err := range e.api.AllAzureTenants(context.Background(), client.ListAzureTenantsInput{Tags: []string{run}}) {
		if err != nil {
			t.Fatal(err)
		}
		seen[tenant.TenantID]++
	}
	return seen
}

// checkAllConnected is a Check: every tenant is connected exactly once, no other connection
// has the run's tag, and the state holds each.
func (e *accEnv) checkAllConnected(t *testing.T, run string, tenantIDs []string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		seen := e.connectionsTagged(t, run)
		if len(seen) != len(tenantIDs) {
			return fmt.Errorf("%d connections on the server, want %d", len(seen), len(tenantIDs))
		}
		inState := map[string]bool{}
		for _, r := range s.RootModule().Resources {
			inState[r.Primary.ID] = true
		}
		for _, id := range tenantIDs {
			if seen[id] != 1 || !inState[id] {
				return fmt.Errorf("tenant %s: %d connections on the server, in state %v", id, seen[id], inState[id])
			}
		}
		return nil
	}
}

// applyPlanDestroy applies n connections with the provider settings given, checks that each is
// connected once and in state, that a plan then shows no changes, and that destroy leaves none.
func (e *accEnv) applyPlanDestroy(t *testing.T, name string, n int, settings string) {
	t.Helper()
	run := name + "-" + uuid.NewString()[:8]
	hcl, tenantIDs := manyTenants(run, n)
	config := e.configWith(settings, hcl)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(tenantIDs...),
		Steps: []resource.TestStep{
			{Config: config, Check: e.checkAllConnected(t, run, tenantIDs)},
			{Config: config, ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}},
		},
	})
}

// TestAccAzureTenant_slowCreate: Segura takes longer to verify a new connection than
// request_timeout allows one attempt. The retry, with the same Idempotency-Key, finds the
// first request still running (409 idempotency_key_in_use) and waits for its answer: the
// connection lands in state, once.
func TestAccAzureTenant_slowCreate(t *testing.T) {
	e := newEmulatorEnv(t, emulator.Options{Clock: clockwork.NewRealClock()},
		"it makes a create slower than request_timeout")
	e.fault(t, emulator.Fault{Route: createRoute, LatencyMS: 2500, Count: 1})
	c := newTenantConfig()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(c.tenantID),
		Steps: []resource.TestStep{{
			Config: e.configWith(`request_timeout = "1s"`, c.hcl()),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("id"), knownvalue.StringExact(c.tenantID)),
			},
			Check: func(*terraform.State) error {
				if n := e.count(createRoute, "409"); n == 0 {
					return fmt.Errorf("no retry found the first create in flight: the test did not make it slow enough")
				}
				if _, err := e.api.GetAzureTenant(context.Background(), c.tenantID); err != nil {
					return err
				}
				return nil
			},
		}},
	})
}

// TestAccAzureTenant_storm applies, plans and destroys 20 connections while the server fails
// 15% of requests with 503, 10% with 429 and drops the answer of 20% after committing them:
// nothing is duplicated, lost or left, three times over.
func TestAccAzureTenant_storm(t *testing.T) {
	for round := range 3 {
		t.Run(fmt.Sprint("round ", round+1), func(t *testing.T) {
			e := newEmulatorEnv(t, emulator.Options{Clock: clockwork.NewRealClock()}, "it injects faults")
			for _, f := range []emulator.Fault{
				{Status: 503, Probability: 0.15}, {Status: 429, Probability: 0.10}, {DropAfterCommit: true, Probability: 0.20},
			} {
				e.fault(t, f)
			}
			e.applyPlanDestroy(t, "storm", 20, "azure_preflight = false\n  request_timeout = \"5s\"")
			if e.count(createRoute, "dropped")+e.count(createRoute, "503")+e.count(createRoute, "429") == 0 {
				t.Error("no create met a fault: the storm did not happen")
			}
		})
	}
}

// TestAccAzureTenant_shortLivedTokens: tokens that live 3 seconds, and 40% of requests
// answered 429 with backoffs of up to 5 seconds, so that tokens expire while requests wait to
// be retried. Every attempt must carry a token valid when it is sent (the client renews it
// 0.6s before expiry), so Segura answers no API request with 401. 30 connections are
// created, refreshed and destroyed.
func TestAccAzureTenant_shortLivedTokens(t *testing.T) {
	e := newEmulatorEnv(t, emulator.Options{Clock: clockwork.NewRealClock(), TokenLifetime: 3 * time.Second},
		"it shortens the tokens' lifetime")
	e.retryWaitMin, e.retryWaitMax = 500*time.Millisecond, 5*time.Second
	e.fault(t, emulator.Fault{Status: 429, Probability: 0.4})
	e.applyPlanDestroy(t, "tokens", 30, "azure_preflight = false")
	if n := e.count("POST /oauth2/token", "200"); n < 3 {
		t.Errorf("%d tokens issued: the test did not outlast a token's lifetime", n)
	}
	unauthorized := 0
	for route, byStatus := range e.emu.Counts().Routes {
		if route != "POST /oauth2/token" {
			unauthorized += byStatus["401"]
		}
	}
	if unauthorized != 0 {
		t.Errorf("%d API requests carried an expired token", unauthorized)
	}
}
