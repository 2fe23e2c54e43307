package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/jonboulle/clockwork"

	"github.com/segura/terraform-provider-segura/internal/azure"
	"github.com/segura/terraform-provider-segura/internal/azure/azuretest"
	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
)

// connect makes n connections through the API, each tagged with run (so that a test can find
// its own on a shared server) and with "mode-<mode>" and "n<i%3>".
func (e *accEnv) connect(t *testing.T, run string, n int) []client.AzureTenant {
	t.Helper()
	var out []client.AzureTenant
	for i := range n {
		mode := []string{azure.ModeRead, azure.ModeReadWrite}[i%2]
		in := client.CreateAzureTenantInput{
			Name: fmt.Sprintf("Tenant %d", i), TenantID: uuid.NewString(), ApplicationID: uuid.NewString(),
			SecretValue: "secret-" + uuid.NewString(), IntegrationMode: mode, Tags: []string{run, fmt.Sprint("n", i%3)},
		}
		if i == n-1 {
			in.Status = client.StatusInactive
		}
		got, err := e.api.CreateAzureTenant(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		e.deleteIfExists(t, got.TenantID)
		out = append(out, *got)
	}
	return out
}

func TestAccAzureTenantDataSource(t *testing.T) {
	e := newAccEnv(t)
	run := "run-" + uuid.NewString()[:8]
	tenant := e.connect(t, run, 1)[0]
	const ds = "data.segura_azure_tenant.test"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		Steps: []resource.TestStep{
			// Failing steps first: the destroy after the test uses the last step's configuration.
			{
				Config:      e.config(fmt.Sprintf("data \"segura_azure_tenant\" \"test\" {\n  tenant_id = %q\n}\n", uuid.NewString())),
				ExpectError: expectError(`Azure tenant not connected(.|\n)*tenant_id(.|\n)*segura_azure_tenants`),
			},
			{
				Config:      e.config("data \"segura_azure_tenant\" \"test\" {\n  tenant_id = \"nope\"\n}\n"),
				ExpectError: expectError(`Invalid tenant_id`),
			},
			{
				Config: e.config(fmt.Sprintf("data \"segura_azure_tenant\" \"test\" {\n  tenant_id = %q\n}\n", strings.ToUpper(tenant.TenantID))),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("id"), knownvalue.StringExact(tenant.TenantID)),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("name"), knownvalue.StringExact(tenant.Name)),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("application_id"), knownvalue.StringExact(tenant.ApplicationID)),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("integration_mode"), knownvalue.StringExact("read")),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("status"), knownvalue.StringExact("inactive")),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("tags"), knownvalue.SetSizeExact(2)),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("synchronization").AtMapKey("state"), knownvalue.NotNull()),
				},
			},
		},
	})
}

func TestAccAzureTenantsDataSource_filtersAndPages(t *testing.T) {
	e := newEmulatorEnv(t, emulator.Options{DefaultPageSize: 2}, "it counts the pages read with a page size of 2")
	run := "run-" + uuid.NewString()[:8]
	tenants := e.connect(t, run, 7)
	const ds = "data.segura_azure_tenants.test"
	list := func(filters string) string {
		return e.config(fmt.Sprintf("data \"segura_azure_tenants\" \"test\" {\n  tags = [%q]\n%s}\n", run, filters))
	}
	count := func(n int) []statecheck.StateCheck {
		return []statecheck.StateCheck{statecheck.ExpectKnownValue(ds, tfjsonpath.New("tenants"), knownvalue.ListSizeExact(n))}
	}
	var pages int
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		Steps: []resource.TestStep{
			{Config: list("  integration_mode = \"admin\"\n"), ExpectError: expectError(`integration_mode(.|\n)*read_write`)},
			{
				PreConfig:         func() { pages = e.count("GET /api/cloud-entitlements/v1/azure/tenants", "200") },
				Config:            list(""),
				ConfigStateChecks: count(7),
				Check: func(*terraform.State) error {
					// Every page of 2 items: 4 pages for 7 connections.
					if n := e.count("GET /api/cloud-entitlements/v1/azure/tenants", "200") - pages; n < 4 {
						return fmt.Errorf("%d pages read; the data source did not follow next_page_token", n)
					}
					return nil
				},
			},
			{
				Config: list(""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("tenants").AtSliceIndex(0).AtMapKey("id"), knownvalue.StringExact(minID(tenants))),
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("tenants").AtSliceIndex(0).AtMapKey("synchronization").AtMapKey("state"), knownvalue.NotNull()),
				},
			},
			{Config: list("  status = \"inactive\"\n"), ConfigStateChecks: count(1)},
			{Config: list("  status = \"active\"\n"), ConfigStateChecks: count(6)},
			{Config: list("  integration_mode = \"read_write\"\n"), ConfigStateChecks: count(3)},
			{Config: e.config(fmt.Sprintf("data \"segura_azure_tenants\" \"test\" {\n  tags = [%q, \"n0\"]\n}\n", run)), ConfigStateChecks: count(3)},
			{Config: e.config(fmt.Sprintf("data \"segura_azure_tenants\" \"test\" {\n  tags = [%q, \"n0\", \"n1\"]\n}\n", run)), ConfigStateChecks: count(0)},
		},
	})
}

func minID(ts []client.AzureTenant) string {
	id := ts[0].TenantID
	for _, t := range ts {
		id = min(id, t.TenantID)
	}
	return id
}

// TestAccAzureRequiredPermissionsDataSource needs no server and no credentials: the provider
// block is empty, and without SEGURA_* in the environment any API call would fail for want of
// a url.
func TestAccAzureRequiredPermissionsDataSource(t *testing.T) {
	const ds = "data.segura_azure_required_permissions.test"
	// The expectation comes from the verified reference table, not from package azure, whose
	// table the data source serves.
	checks := func(mode string) []statecheck.StateCheck {
		namedIDs := func(kind string) ([]knownvalue.Check, map[string]knownvalue.Check) {
			var list []knownvalue.Check
			byName := map[string]knownvalue.Check{}
			for _, r := range azuretest.For(kind, mode) {
				list = append(list, knownvalue.ObjectExact(map[string]knownvalue.Check{
					"name": knownvalue.StringExact(r.Name), "id": knownvalue.StringExact(r.ID)}))
				byName[r.Name] = knownvalue.StringExact(r.ID)
			}
			return list, byName
		}
		perms, ids := namedIDs("graph_app_role")
		roles, _ := namedIDs("azure_role")
		return []statecheck.StateCheck{
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("graph_app_id"), knownvalue.StringExact("00000003-0000-0000-c000-000000000000")),
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("graph_permissions"), knownvalue.ListExact(perms)),
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("graph_permission_ids"), knownvalue.MapExact(ids)),
			statecheck.ExpectKnownValue(ds, tfjsonpath.New("azure_roles"), knownvalue.ListExact(roles)),
		}
	}
	cfg := func(mode string) string {
		return fmt.Sprintf("provider \"segura\" {}\n\ndata \"segura_azure_required_permissions\" \"test\" {\n  integration_mode = %q\n}\n", mode)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: providers(clockwork.NewRealClock()),
		Steps: []resource.TestStep{
			{Config: cfg("write"), ExpectError: expectError(`integration_mode(.|\n)*read_write`)},
			{Config: cfg("read"), ConfigStateChecks: append(checks("read"),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("graph_permissions"), knownvalue.ListSizeExact(7)))},
			{Config: cfg("read_write"), ConfigStateChecks: append(checks("read_write"),
				statecheck.ExpectKnownValue(ds, tfjsonpath.New("graph_permission_ids"), knownvalue.MapSizeExact(10)))},
		},
	})
}
