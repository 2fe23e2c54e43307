package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// TestAccAzureTenantListResource_query: `terraform query` finds connections made through the
// API, with their names as display names, their tenant IDs as identities, the same filters as
// the segura_azure_tenants data source, and (include_resource) the attributes an import would
// read. Terraform 1.14 and later.
func TestAccAzureTenantListResource_query(t *testing.T) {
	e := newAccEnv(t)
	run := "run-" + uuid.NewString()[:8]
	tenants := e.connect(t, run, 5) // Tenant 0 to 4: read, read_write, ...; the last one inactive
	// list is a list block of the connections tagged with run, and more filters.
	list := func(name, filters string) string {
		if !strings.Contains(filters, "tags") {
			filters += fmt.Sprintf("    tags = [%q]\n", run)
		}
		return fmt.Sprintf("list \"segura_azure_tenant\" %q {\n  provider = segura\n  config {\n%s  }\n}\n", name, filters)
	}
	byName := func(i int) queryfilter.QueryFilter {
		return queryfilter.ByDisplayName(knownvalue.StringExact(tenants[i].Name))
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		Steps: []resource.TestStep{
			// The query needs a configuration with the provider: this step writes it.
			{Config: e.config("")},
			{
				Query: true,
				Config: list("all", "") +
					list("inactive", "    status = \"inactive\"\n") +
					list("read_write", "    integration_mode = \"read_write\"\n") +
					list("n0", "    tags = [\""+run+"\", \"n0\"]\n") +
					list("failed", "    synchronization_state = \"failed\"\n") +
					list("unmanaged", fmt.Sprintf("    exclude_tenant_ids = [%q, %q]\n", strings.ToUpper(tenants[0].TenantID), tenants[3].TenantID)) +
					"list \"segura_azure_tenant\" \"full\" {\n  provider = segura\n  include_resource = true\n  config {\n    tags = [\"" + run + "\"]\n  }\n}\n",
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("segura_azure_tenant.all", 5),
					querycheck.ExpectLength("segura_azure_tenant.inactive", 1),
					querycheck.ExpectLength("segura_azure_tenant.read_write", 2),
					querycheck.ExpectLength("segura_azure_tenant.n0", 2),
					querycheck.ExpectLength("segura_azure_tenant.unmanaged", 3),
					querycheck.ExpectLength("segura_azure_tenant.failed", 0),
					querycheck.ExpectIdentity("segura_azure_tenant.inactive", map[string]knownvalue.Check{
						"tenant_id": knownvalue.StringExact(tenants[4].TenantID),
					}),
					querycheck.ExpectResourceDisplayName("segura_azure_tenant.all",
						queryfilter.ByResourceIdentity(map[string]knownvalue.Check{"tenant_id": knownvalue.StringExact(tenants[1].TenantID)}),
						knownvalue.StringExact(tenants[1].Name)),
					querycheck.ExpectResourceKnownValues("segura_azure_tenant.full", byName(1), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("tenant_id"), KnownValue: knownvalue.StringExact(tenants[1].TenantID)},
						{Path: tfjsonpath.New("application_id"), KnownValue: knownvalue.StringExact(tenants[1].ApplicationID)},
						{Path: tfjsonpath.New("integration_mode"), KnownValue: knownvalue.StringExact("read_write")},
						{Path: tfjsonpath.New("status"), KnownValue: knownvalue.StringExact("active")},
						{Path: tfjsonpath.New("tags"), KnownValue: knownvalue.SetSizeExact(2)},
						{Path: tfjsonpath.New("secret_value"), KnownValue: knownvalue.Null()},
					}),
					querycheck.ExpectResourceKnownValues("segura_azure_tenant.full", byName(4), []querycheck.KnownValueCheck{
						{Path: tfjsonpath.New("status"), KnownValue: knownvalue.StringExact("inactive")},
					}),
				},
			},
			{
				Query:       true,
				Config:      list("bad", "    integration_mode = \"admin\"\n"),
				ExpectError: expectError(`integration_mode(.|\n)*read_write`),
			},
		},
	})
}
