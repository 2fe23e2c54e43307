package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
)

const tenantResource = "segura_azure_tenant.test"

type tenantConfig struct {
	tenantID, appID, secret, name, mode, status string
	tags                                        []string
	// woSecret and woVersion give the secret write-only instead of secret.
	woSecret  string
	woVersion int
	extra     string // more arguments, such as a timeouts block
}

func (c tenantConfig) hcl() string {
	var b strings.Builder
	fmt.Fprintf(&b, "resource \"segura_azure_tenant\" \"test\" {\n")
	fmt.Fprintf(&b, "  name             = %q\n  tenant_id        = %q\n  application_id   = %q\n", c.name, c.tenantID, c.appID)
	if c.secret != "" || c.woSecret == "" {
		fmt.Fprintf(&b, "  secret_value     = %q\n", c.secret)
	}
	if c.woSecret != "" {
		fmt.Fprintf(&b, "  secret_value_wo         = %q\n  secret_value_wo_version = %d\n", c.woSecret, c.woVersion)
	}
	fmt.Fprintf(&b, "  integration_mode = %q\n", c.mode)
	if c.tags != nil {
		fmt.Fprintf(&b, "  tags             = [%s]\n", quoteAll(c.tags))
	}
	if c.status != "" {
		fmt.Fprintf(&b, "  status           = %q\n", c.status)
	}
	b.WriteString(c.extra)
	b.WriteString("}\n")
	return b.String()
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func newTenantConfig() tenantConfig {
	return tenantConfig{
		tenantID: newTenantID(), appID: uuid.NewString(), secret: "secret-" + uuid.NewString(),
		name: "Production", mode: "read", tags: []string{"prod", "finance"},
	}
}

func TestAccAzureTenant_lifecycle(t *testing.T) {
	e := newAccEnv(t)
	c := newTenantConfig()
	updated := c
	updated.name, updated.appID, updated.secret = "Production (renamed)", uuid.NewString(), "rotated-"+uuid.NewString()
	updated.mode, updated.tags, updated.status = "read_write", []string{"prod", "eu"}, "inactive"
	moved := updated
	moved.tenantID, moved.secret = newTenantID(), "moved-"+uuid.NewString()
	reactivated := moved
	reactivated.status = "active"

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(c.tenantID, moved.tenantID),
		Steps: []resource.TestStep{
			{
				Config: e.config(c.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tenantResource, plancheck.ResourceActionCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("id"), knownvalue.StringExact(c.tenantID)),
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("status"), knownvalue.StringExact("active")),
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("tags"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("finance"), knownvalue.StringExact("prod")})),
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("connected_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("synchronization").AtMapKey("state"),
						knownvalue.StringRegexp(regexp.MustCompile(`^(pending|running|succeeded|failed)$`))),
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("secret_value"), knownvalue.StringExact(c.secret)),
				},
			},
			{
				ResourceName:            tenantResource,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"secret_value", "synchronization"},
			},
			{
				// An import block: the secret cannot be read back, so the plan sends it in place.
				Config:             e.importConfig(c.hcl()),
				ResourceName:       tenantResource,
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithID,
				ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tenantResource, plancheck.ResourceActionUpdate)},
				},
			},
			{
				Config: e.config(updated.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(tenantResource, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("id"), knownvalue.StringExact(c.tenantID)),
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("name"), knownvalue.StringExact(updated.name)),
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("application_id"), knownvalue.StringExact(updated.appID)),
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("integration_mode"), knownvalue.StringExact("read_write")),
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("status"), knownvalue.StringExact("inactive")),
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("tags"),
						knownvalue.SetExact([]knownvalue.Check{knownvalue.StringExact("eu"), knownvalue.StringExact("prod")})),
				},
				Check: func(*terraform.State) error {
					got, err := e.api.GetAzureTenant(context.Background(), c.tenantID)
					if err != nil {
						return err
					}
					if got.Name != updated.name || got.ApplicationID != updated.appID || got.Status != "inactive" || got.IntegrationMode != "read_write" {
						return fmt.Errorf("the server holds %+v", got)
					}
					return nil
				},
			},
			{
				Config: e.config(moved.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tenantResource, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("id"), knownvalue.StringExact(moved.tenantID)),
				},
				Check: e.checkGone(c.tenantID),
			},
			{
				Config: e.config(reactivated.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(tenantResource, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("status"), knownvalue.StringExact("active")),
				},
			},
		},
	})
}

func TestAccAzureTenant_letterCaseAndTagOrder(t *testing.T) {
	e := newAccEnv(t)
	c := newTenantConfig()
	upper := c
	upper.tenantID, upper.appID = strings.ToUpper(c.tenantID), strings.ToUpper(c.appID)
	upper.tags = []string{"b", "a", "c"}
	reordered := upper
	reordered.tags = []string{"c", "a", "b"}
	lower := reordered
	lower.tenantID, lower.appID = c.tenantID, c.appID

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(c.tenantID),
		Steps: []resource.TestStep{
			{
				Config: e.config(upper.hcl()),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("tenant_id"), knownvalue.StringExact(upper.tenantID)),
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("id"), knownvalue.StringExact(c.tenantID)),
				},
			},
			{
				Config: e.config(reordered.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// A new spelling of the same IDs is recorded in place (TestAccAzureTenant_letterCaseSendsNoUpdate
				// shows that no PATCH is sent).
				Config: e.config(lower.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tenantResource, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("tenant_id"), knownvalue.StringExact(c.tenantID)),
				},
			},
			{
				// Import in any letter case.
				ResourceName:            tenantResource,
				ImportState:             true,
				ImportStateId:           strings.ToUpper(c.tenantID),
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"secret_value", "synchronization", "tenant_id"},
			},
		},
	})
}

// TestAccAzureTenant_letterCaseSendsNoUpdate: a new spelling of the same IDs is recorded in
// state with no PATCH, since Segura already holds them.
func TestAccAzureTenant_letterCaseSendsNoUpdate(t *testing.T) {
	e := newEmulatorEnv(t, emulator.Options{}, "it counts the PATCH requests")
	c := newTenantConfig()
	upper := c
	upper.tenantID, upper.appID = strings.ToUpper(c.tenantID), strings.ToUpper(c.appID)
	const patchRoute = "PATCH /api/cloud-entitlements/v1/azure/tenants/{tenant_id}"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(c.tenantID),
		Steps: []resource.TestStep{
			{Config: e.config(upper.hcl())},
			{
				Config: e.config(c.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tenantResource, plancheck.ResourceActionUpdate)},
				},
				Check: func(*terraform.State) error {
					if n := e.count(patchRoute, ""); n != 0 {
						return fmt.Errorf("a change of letter case sent %d PATCH requests", n)
					}
					return nil
				},
			},
		},
	})
}

func TestAccAzureTenant_emptyAndUnsetTags(t *testing.T) {
	e := newAccEnv(t)
	c := newTenantConfig()
	c.tags = nil
	empty := c
	empty.tags = []string{}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(c.tenantID),
		Steps: []resource.TestStep{
			{
				Config: e.config(c.hcl()),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("tags"), knownvalue.SetSizeExact(0)),
				},
			},
			{
				Config:           e.config(empty.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config:           e.config(c.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

func TestAccAzureTenant_drift(t *testing.T) {
	e := newAccEnv(t)
	c := newTenantConfig()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(c.tenantID),
		Steps: []resource.TestStep{
			{Config: e.config(c.hcl())},
			{
				// Deleted outside Terraform: dropped from state, planned for creation.
				PreConfig: func() {
					if err := e.api.DeleteAzureTenant(context.Background(), c.tenantID); err != nil {
						t.Fatal(err)
					}
				},
				Config: e.config(c.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tenantResource, plancheck.ResourceActionCreate)},
				},
			},
			{
				// Changed outside Terraform: planned back.
				PreConfig: func() {
					name, tags, status := "Changed by hand", []string{"manual"}, "inactive"
					if _, err := e.api.UpdateAzureTenant(context.Background(), c.tenantID,
						client.UpdateAzureTenantInput{Name: &name, Tags: &tags, Status: &status}); err != nil {
						t.Fatal(err)
					}
				},
				Config: e.config(c.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(tenantResource, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(tenantResource, tfjsonpath.New("name"), knownvalue.StringExact(c.name)),
						plancheck.ExpectKnownValue(tenantResource, tfjsonpath.New("status"), knownvalue.StringExact("active")),
					},
				},
				Check: func(*terraform.State) error {
					got, err := e.api.GetAzureTenant(context.Background(), c.tenantID)
					if err != nil {
						return err
					}
					if got.Name != c.name || got.Status != "active" || strings.Join(got.Tags, ",") != "finance,prod" {
						return fmt.Errorf("not planned back: %+v", got)
					}
					return nil
				},
			},
		},
	})
}

func TestAccAzureTenant_invalidConfigurationsNeverReachTheAPI(t *testing.T) {
	e := newAccEnv(t)
	valid := newTenantConfig()
	with := func(edit func(*tenantConfig)) string {
		c := valid
		edit(&c)
		return e.config(c.hcl())
	}
	var manyTags []string
	for i := range client.TagsMax + 1 { // one more than Segura allows
		manyTags = append(manyTags, fmt.Sprint("tag", i))
	}
	cases := []struct {
		config string
		want   string
	}{
		{with(func(c *tenantConfig) { c.name = "" }), `Invalid name`},
		{with(func(c *tenantConfig) { c.name = "   " }), `Invalid name(.|\n)*blank`},
		{with(func(c *tenantConfig) { c.name = strings.Repeat("n", 129) }), `Invalid name(.|\n)*at most 128`},
		{with(func(c *tenantConfig) { c.name = "a\tb" }), `Invalid name(.|\n)*control`},
		{with(func(c *tenantConfig) { c.tenantID = "not-a-uuid" }), `Invalid tenant_id(.|\n)*not a UUID`},
		{with(func(c *tenantConfig) { c.tenantID = "{" + valid.tenantID + "}" }), `Invalid tenant_id(.|\n)*braces`},
		{with(func(c *tenantConfig) { c.tenantID = "urn:uuid:" + valid.tenantID }), `Invalid tenant_id(.|\n)*urn:uuid`},
		{with(func(c *tenantConfig) { c.tenantID = strings.ReplaceAll(valid.tenantID, "-", "") }), `Invalid tenant_id(.|\n)*hyphens`},
		{with(func(c *tenantConfig) { c.appID = valid.appID + "0" }), `Invalid application_id`},
		{with(func(c *tenantConfig) { c.secret = "" }), `secret_value(.|\n)*length must be between 1 and 1024, got: 0`},
		{with(func(c *tenantConfig) { c.secret = strings.Repeat("s", 1025) }), `secret_value(.|\n)*length must be between 1 and 1024, got: 1025`},
		{with(func(c *tenantConfig) { c.mode = "write" }), `integration_mode(.|\n)*read(.|\n)*read_write`},
		{with(func(c *tenantConfig) { c.mode = "read-write" }), `integration_mode\s+= "read-write"(.|\n)*Did you mean\s+"read_write"\?`},
		{with(func(c *tenantConfig) { c.status = "paused" }), `status(.|\n)*active(.|\n)*inactive`},
		{with(func(c *tenantConfig) { c.tags = []string{""} }), `Invalid tags(.|\n)*empty`},
		{with(func(c *tenantConfig) { c.tags = []string{" prod"} }), `Invalid tags(.|\n)*space`},
		{with(func(c *tenantConfig) { c.tags = []string{strings.Repeat("t", 65)} }), `Invalid tags(.|\n)*at most 64`},
		{with(func(c *tenantConfig) { c.tags = []string{"a\nb"} }), `Invalid tags(.|\n)*control`},
		{with(func(c *tenantConfig) { c.tags = manyTags }), `tags(.|\n)*at most 10`},
		{e.config(fmt.Sprintf(`resource "segura_azure_tenant" "test" {
  tenant_id        = %q
  application_id   = %q
  secret_value     = "s"
  integration_mode = "read"
}`, valid.tenantID, valid.appID)), `"name" is required`},
		{`provider "segura" {
  url             = "ftp://example.com"
  azure_preflight = false
}
` + valid.hcl(), `Invalid url(.|\n)*https`},
		{e.configWith(`azure_propagation_timeout = "soon"`, valid.hcl()), `Invalid Time Duration String Value(.|\n)*azure_propagation_timeout(.|\n)*soon`},
		{e.configWith(`azure_propagation_timeout = "-1m"`, valid.hcl()), `Invalid azure_propagation_timeout`},
		{e.configWith(`azure_environment = "mars"`, valid.hcl()), `azure_environment(.|\n)*china(.|\n)*public(.|\n)*usgovernment`},
	}
	// Each step is an apply, not a plan alone: were a check missing, the apply would send the
	// request and checkNoAPICalls would count it.
	var steps []resource.TestStep
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{Config: tc.config, ExpectError: expectError(tc.want)})
	}
	resource.ParallelTest(t, resource.TestCase{ProtoV6ProviderFactories: e.providers(), Steps: steps})
	e.checkNoAPICalls(t)
}

// TestAccAzureTenant_identity: the connection's identity is its tenant ID in lowercase, and
// an import block can name it by identity (Terraform 1.12 and later).
func TestAccAzureTenant_identity(t *testing.T) {
	e := newAccEnv(t)
	c := newTenantConfig()
	c.tenantID = strings.ToUpper(c.tenantID)
	lower := strings.ToLower(c.tenantID)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		CheckDestroy:             e.checkGone(lower),
		Steps: []resource.TestStep{
			{
				Config: e.config(c.hcl()),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(tenantResource, map[string]knownvalue.Check{"tenant_id": knownvalue.StringExact(lower)}),
				},
			},
			{
				// The secret cannot be read back, so the plan sends it in place.
				Config:             e.importConfig(c.hcl()),
				ResourceName:       tenantResource,
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithResourceIdentity,
				ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tenantResource, plancheck.ResourceActionUpdate)},
				},
			},
		},
	})
}

// TestAccAzureTenant_generatedConfig: the configuration that `plan -generate-config-out`
// writes for an import block has no secret and plans as a no-op import, on every CLI of the
// matrix (Terraform 1.5 to 1.7 crashed on a computed-only nested attribute before).
func TestAccAzureTenant_generatedConfig(t *testing.T) {
	e := newAccEnv(t)
	c := newTenantConfig()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(c.tenantID),
		Steps: []resource.TestStep{
			{Config: e.config(c.hcl())},
			{
				Config:          e.importConfig(""),
				ResourceName:    tenantResource,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				GenerateConfig:  true,
			},
		},
	})
}

// TestAccAzureTenant_quietUpdatePlans: a rename or a tag change plans no change to
// synchronization, and the apply keeps it; a change of mode, which restarts synchronization,
// plans it as known after apply.
func TestAccAzureTenant_quietUpdatePlans(t *testing.T) {
	e := newAccEnv(t)
	c := newTenantConfig()
	renamed := c
	renamed.name, renamed.tags = "Renamed", []string{"eu"}
	remoded := renamed
	remoded.mode = "read_write"
	sync := tfjsonpath.New("synchronization")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(c.tenantID),
		Steps: []resource.TestStep{
			{Config: e.config(c.hcl())},
			{
				Config: e.config(renamed.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(tenantResource, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(tenantResource, sync.AtMapKey("state"), knownvalue.NotNull()),
				}},
			},
			{
				Config: e.config(remoded.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(tenantResource, sync),
				}},
			},
		},
	})
}
