package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
	"github.com/segura/terraform-provider-segura/internal/testutil"
)

// containsAny reports whether v, as JSON, holds any of secrets.
func containsAny(v any, secrets []string) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	for _, s := range secrets {
		if strings.Contains(string(raw), s) {
			return fmt.Errorf("a secret appears in it")
		}
	}
	return nil
}

// absentFromState fails when any of the secrets appears anywhere in the state.
type absentFromState []string

func (a absentFromState) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	if err := containsAny(req.State, a); err != nil {
		resp.Error = fmt.Errorf("state: %w", err)
	}
}

// absentFromPlan fails when any of the secrets appears anywhere in the plan, configuration
// expressions included.
type absentFromPlan []string

func (a absentFromPlan) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	if err := containsAny(req.Plan, a); err != nil {
		resp.Error = fmt.Errorf("plan: %w", err)
	}
}

// newRotationEnv is an emulator whose directory's first application accepts two secrets:
// its original one and the returned rotated one, and no other.
func newRotationEnv(t *testing.T) (*testDirectory, *accEnv, string) {
	t.Helper()
	d := newTestDirectory(0)
	rotated := "rotated-" + uuid.NewString()
	good := &d.dir.Tenants[0].Applications[0]
	good.Secrets = append(good.Secrets, emulator.DirectorySecret{Value: rotated})
	return d, newEmulatorEnv(t, emulator.Options{Directory: d.dir}, "its directory accepts only the right secrets"), rotated
}

var writeOnlyCLIs = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)}

// TestAccAzureTenant_writeOnlySecret proves that secret_value_wo reaches Segura (the
// directory accepts only the right secret) and never reaches state or plan, and that bumping
// its version rotates the secret in place.
func TestAccAzureTenant_writeOnlySecret(t *testing.T) {
	d, e, rotatedSecret := newRotationEnv(t)

	// The secret comes through an ephemeral variable, as it should in real use: the plan
	// records literals written in the configuration, but never an ephemeral value.
	c := d.config(d.goodApp, "read")
	first := c.secret
	c.secret, c.woSecret, c.woVersion = "", "${var.secret}", 1
	const variable = "variable \"secret\" {\n  type      = string\n  sensitive = true\n  ephemeral = true\n}\n"
	secret := func(v string) config.Variables { return config.Variables{"secret": config.StringVariable(v)} }
	sameVersion := c
	sameVersion.name = "Renamed without a new secret"
	rotated := sameVersion
	rotated.woVersion = 2
	var patches int
	patchRoute := "PATCH /api/cloud-entitlements/v1/azure/tenants/{tenant_id}"

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		TerraformVersionChecks:   writeOnlyCLIs,
		CheckDestroy:             e.checkGone(d.tenantID),
		Steps: []resource.TestStep{
			{
				Config:          e.config(variable + c.hcl()),
				ConfigVariables: secret(first),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{absentFromPlan{first}},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					absentFromState{first},
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("secret_value"), knownvalue.Null()),
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("secret_value_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("secret_value_wo_version"), knownvalue.Int64Exact(1)),
				},
			},
			{
				// A change beside the secret sends no secret.
				PreConfig:       func() { patches = e.count(patchRoute, "200") },
				Config:          e.config(variable + sameVersion.hcl()),
				ConfigVariables: secret(first),
				Check: func(*terraform.State) error {
					if n := e.count(patchRoute, "200") - patches; n != 1 {
						return fmt.Errorf("%d PATCH requests, want 1", n)
					}
					return nil
				},
			},
			{
				Config:          e.config(variable + rotated.hcl()),
				ConfigVariables: secret(rotatedSecret),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(tenantResource, plancheck.ResourceActionUpdate),
						absentFromPlan{first, rotatedSecret},
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{absentFromState{first, rotatedSecret}},
				Check: func(*terraform.State) error {
					// Segura now holds the rotated secret: another tenant cannot use it.
					_, err := e.api.CreateAzureTenant(context.Background(), client.CreateAzureTenantInput{
						Name: "probe", TenantID: uuid.NewString(), ApplicationID: uuid.NewString(),
						SecretValue: rotatedSecret, IntegrationMode: "read"})
					if !testutil.IsConflict(err, client.CodeSecretInUse) {
						return fmt.Errorf("the rotated secret did not reach Segura: %w", err)
					}
					return nil
				},
			},
		},
	})
}

// TestAccAzureTenant_rotationWithSecretValue rotates a secret kept in state, in place.
func TestAccAzureTenant_rotationWithSecretValue(t *testing.T) {
	d, e, rotatedSecret := newRotationEnv(t)
	c := d.config(d.goodApp, "read")
	rotated := c
	rotated.secret = rotatedSecret
	wrong := c
	wrong.secret = "not-valid-" + uuid.NewString()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(d.tenantID),
		Steps: []resource.TestStep{
			{Config: e.config(c.hcl())},
			{
				Config: e.config(rotated.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tenantResource, plancheck.ResourceActionUpdate)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("secret_value"), knownvalue.StringExact(rotatedSecret)),
				},
			},
			{
				// A wrong secret is refused and the connection keeps the rotated one.
				Config:      e.configWith(`azure_propagation_timeout = "0s"`, wrong.hcl()),
				ExpectError: expectError(`Azure refused the client secret`),
			},
		},
	})
}

func TestAccAzureTenant_secretArguments(t *testing.T) {
	e := newAccEnv(t)
	c := newTenantConfig()
	neither := c
	neither.secret = ""
	neitherHCL := strings.Replace(neither.hcl(), "  secret_value     = \"\"\n", "", 1)
	both := c
	both.woSecret, both.woVersion = "other", 1
	noVersion := strings.Replace(both.hcl(), "  secret_value_wo_version = 1\n", "", 1)
	noVersion = strings.Replace(noVersion, "  secret_value     = \""+c.secret+"\"\n", "", 1)
	versionOnly := strings.Replace(c.hcl(), "  integration_mode", "  secret_value_wo_version = 1\n  integration_mode", 1)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		TerraformVersionChecks:   writeOnlyCLIs,
		Steps: []resource.TestStep{
			// Applies, not plans alone: were a check missing, checkNoAPICalls would count the request.
			{Config: e.config(neitherHCL), ExpectError: expectError(`Missing client secret(.|\n)*secret_value_wo(.|\n)*secret_value`)},
			{Config: e.config(both.hcl()), ExpectError: expectError(`Invalid Attribute Combination(.|\n)*cannot be specified`)},
			{Config: e.config(noVersion), ExpectError: expectError(`\d+:\s+secret_value_wo\s+=(.|\n)*secret_value_wo_version(.|\n)*must be specified`)},
			{Config: e.config(versionOnly), ExpectError: expectError(`Invalid Attribute Combination(.|\n)*cannot be specified`)},
		},
	})
	e.checkNoAPICalls(t)
}

// TestAccAzureTenant_writeOnlyNeedsANewerCLI runs where write-only attributes do not exist
// (Terraform 1.5.7): using one is refused at plan time, naming the attribute and the version.
func TestAccAzureTenant_writeOnlyNeedsANewerCLI(t *testing.T) {
	e := newAccEnv(t)
	c := newTenantConfig()
	c.woSecret, c.woVersion, c.secret = c.secret, 1, ""
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipAbove(tfversion.Version1_10_0)},
		Steps: []resource.TestStep{
			// An apply, not a plan alone: were the refusal missing, checkNoAPICalls would count the request.
			{Config: e.config(c.hcl()), ExpectError: expectError(`secret_value_wo(.|\n)*Terraform 1.11 and later`)},
		},
	})
	e.checkNoAPICalls(t)
}

func TestAccAzureTenant_newApplicationNeedsItsSecret(t *testing.T) {
	e := newAccEnv(t)
	c := newTenantConfig()
	movedApp := c
	movedApp.appID = uuid.NewString()
	withSecret := movedApp
	withSecret.secret = "new-app-" + uuid.NewString()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(c.tenantID),
		Steps: []resource.TestStep{
			{Config: e.config(c.hcl())},
			{
				Config:      e.config(movedApp.hcl()),
				PlanOnly:    true,
				ExpectError: expectError(`New application without its secret(.|\n)*application_id(.|\n)*set secret_value to the new application's client secret`),
			},
			{
				Config: e.config(withSecret.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(tenantResource, plancheck.ResourceActionUpdate)},
				},
			},
		},
	})
}
