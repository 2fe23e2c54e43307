package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

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

const awsResource = "segura_aws_account.test"

// Keys of testdata/aws.json (hand-written: the oracle of these tests).
const (
	awsAccount1  = "111122223333"
	awsAccount2  = "444455556666"
	awsAccount3  = "777788889999"
	keyReader    = "AKIAREADERKEY0000001"
	keyRotated   = "AKIAREADERKEY0000002"
	keyRotatedWO = "AKIAREADERKEY0000003"
	keyGroup     = "AKIAGROUPREADER00001"
	keyGroupNo   = "AKIAGROUPNOPOLICY001"
	keyNoPolicy  = "AKIANOPOLICYUSER0001"
	keyNewKey    = "AKIANEWKEYVALIDLATER" // STS knows it 20 s after the emulator starts
	keyNever     = "AKIANEVERVALIDKEY001" // STS knows it only after an hour
	keyOther     = "AKIAOTHERACCOUNT0001" // of awsAccount2
	keyThird     = "AKIATHIRDACCOUNT0001" // of awsAccount3
)

// awsSecrets are the fixture's secrets of each key.
var awsSecrets = map[string]string{
	keyReader:    "Reader1/Secret+Key/000000000000000000000",
	keyRotated:   "Reader2/Secret+Key/000000000000000000000",
	keyRotatedWO: "Reader3/Secret+Key/000000000000000000000",
	keyGroup:     "GroupReader/Secret+Key/00000000000000000",
	keyGroupNo:   "GroupNoPolicy/Secret+Key/000000000000000",
	keyNoPolicy:  "NoPolicy/Secret+Key/00000000000000000000",
	keyNewKey:    "NewKey/Secret+Key/0000000000000000000000",
	keyNever:     "Never/Secret+Key/00000000000000000000000",
	keyOther:     "OtherAccount/Secret+Key/0000000000000000",
	keyThird:     "ThirdAccount/Secret+Key/0000000000000000",
}

// newAWSEnv starts an emulator with the AWS fixture of testdata, and points the pre-flight's
// STS and IAM at it. It sets environment variables: its tests cannot run in parallel.
func newAWSEnv(t *testing.T) *accEnv {
	t.Helper()
	dir, err := emulator.LoadAWSDirectory("testdata/aws.json")
	if err != nil {
		t.Fatal(err)
	}
	e := newEmulatorEnv(t, emulator.Options{AWS: dir}, "it needs an AWS directory fixture and its STS and IAM")
	t.Setenv("AWS_ENDPOINT_URL_STS", e.url+emulator.AWSPath)
	t.Setenv("AWS_ENDPOINT_URL_IAM", e.url+emulator.AWSPath)
	return e
}

type awsConfig struct {
	label, name, accountID, keyID, secret, status string
	tags                                          []string
	woSecret                                      string
	woVersion                                     int
}

func newAWSConfig(keyID string) awsConfig {
	return awsConfig{label: "test", name: "Production", keyID: keyID, secret: awsSecrets[keyID], tags: []string{"prod", "finance"}}
}

func (c awsConfig) hcl() string {
	var b strings.Builder
	fmt.Fprintf(&b, "resource \"segura_aws_account\" %q {\n  name          = %q\n  access_key_id = %q\n", c.label, c.name, c.keyID)
	if c.woSecret != "" {
		fmt.Fprintf(&b, "  secret_access_key_wo         = %q\n  secret_access_key_wo_version = %d\n", c.woSecret, c.woVersion)
	} else {
		fmt.Fprintf(&b, "  secret_access_key = %q\n", c.secret)
	}
	if c.accountID != "" {
		fmt.Fprintf(&b, "  account_id = %q\n", c.accountID)
	}
	if c.tags != nil {
		fmt.Fprintf(&b, "  tags = [%s]\n", quoteAll(c.tags))
	}
	if c.status != "" {
		fmt.Fprintf(&b, "  status = %q\n", c.status)
	}
	b.WriteString("}\n")
	return b.String()
}

// awsAccountHolds fails unless Segura holds the connection of account with keyID, name and
// status.
func (e *accEnv) awsAccountHolds(account, keyID, name, status string) error {
	got, err := client.AWSAccounts.Get(context.Background(), e.api, account)
	if err != nil {
		return err
	}
	if got.AccessKeyID != keyID || got.Name != name || got.Status != status {
		return fmt.Errorf("Segura holds %+v; want key %s, name %q, status %s", got, keyID, name, status)
	}
	return nil
}

func (e *accEnv) checkAWSGone(accounts ...string) func(*terraform.State) error {
	return func(*terraform.State) error {
		for _, id := range accounts {
			if _, err := client.AWSAccounts.Get(context.Background(), e.api, id); !client.IsNotFound(err) {
				return fmt.Errorf("connection of %s still exists after destroy (err=%w)", id, err)
			}
		}
		return nil
	}
}

// TestAccAWSAccount_lifecycle: the create takes the account from Segura's answer; import by
// CLI and import block; name, tags and status change in place; the key pair rotates in place;
// account_id set to the same account changes nothing, and to another replaces the connection.
func TestAccAWSAccount_lifecycle(t *testing.T) {
	e := newAWSEnv(t)
	c := newAWSConfig(keyReader)
	updated := c
	updated.name, updated.tags, updated.status = "Production (renamed)", []string{"prod", "eu"}, "inactive"
	rotated := updated
	rotated.keyID, rotated.secret = keyRotated, awsSecrets[keyRotated]
	known := rotated
	known.accountID = awsAccount1
	moved := rotated
	moved.accountID, moved.keyID, moved.secret = awsAccount3, keyThird, awsSecrets[keyThird]
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkAWSGone(awsAccount1, awsAccount3),
		Steps: []resource.TestStep{
			{
				Config: e.config(c.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(awsResource, plancheck.ResourceActionCreate),
						plancheck.ExpectUnknownValue(awsResource, tfjsonpath.New("account_id")),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(awsResource, tfjsonpath.New("account_id"), knownvalue.StringExact(awsAccount1)),
					statecheck.ExpectKnownValue(awsResource, tfjsonpath.New("id"), knownvalue.StringExact(awsAccount1)),
					statecheck.ExpectKnownValue(awsResource, tfjsonpath.New("access_key_id"), knownvalue.StringExact(keyReader)),
					statecheck.ExpectKnownValue(awsResource, tfjsonpath.New("connected_at"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue(awsResource, tfjsonpath.New("status"), knownvalue.StringExact("active")),
				},
			},
			{
				ResourceName:            awsResource,
				ImportState:             true,
				ImportStateId:           awsAccount1,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"secret_access_key", "synchronization"},
			},
			{
				// An import block: the secret cannot be read back, so the plan sends it in place.
				Config:             e.importConfig(c.hcl()),
				ResourceName:       awsResource,
				ImportState:        true,
				ImportStateId:      awsAccount1,
				ImportStateKind:    resource.ImportBlockWithID,
				ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(awsResource, plancheck.ResourceActionUpdate)},
				},
			},
			{
				Config: e.config(updated.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(awsResource, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(*terraform.State) error {
					return e.awsAccountHolds(awsAccount1, keyReader, updated.name, "inactive")
				},
			},
			{
				// Rotation: a new key pair of the same account, sent together, in place.
				Config: e.config(rotated.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(awsResource, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(awsResource, tfjsonpath.New("access_key_id"), knownvalue.StringExact(keyRotated)),
				},
				Check: func(*terraform.State) error {
					return e.awsAccountHolds(awsAccount1, keyRotated, updated.name, "inactive")
				},
			},
			{
				// account_id set to the account it holds: nothing to change.
				Config:   e.config(known.hcl()),
				PlanOnly: true,
			},
			{
				// Another account_id replaces the connection.
				Config: e.config(moved.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(awsResource, plancheck.ResourceActionDestroyBeforeCreate)},
				},
				Check: func(*terraform.State) error {
					return e.awsAccountHolds(awsAccount3, keyThird, updated.name, "inactive")
				},
			},
		},
	})
}

// TestAccAWSAccount_writeOnlyRotation: the write-only secret creates and rotates in place,
// and never reaches state.
func TestAccAWSAccount_writeOnlyRotation(t *testing.T) {
	e := newAWSEnv(t)
	c := newAWSConfig(keyRotated)
	c.woSecret, c.woVersion = awsSecrets[keyRotated], 1
	rotated := c
	rotated.keyID, rotated.woSecret, rotated.woVersion = keyRotatedWO, awsSecrets[keyRotatedWO], 2
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		CheckDestroy:             e.checkAWSGone(awsAccount1),
		Steps: []resource.TestStep{
			{
				Config: e.config(c.hcl()),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(awsResource, tfjsonpath.New("secret_access_key_wo"), knownvalue.Null()),
					statecheck.ExpectKnownValue(awsResource, tfjsonpath.New("secret_access_key"), knownvalue.Null()),
				},
			},
			{
				Config: e.config(rotated.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply:             []plancheck.PlanCheck{plancheck.ExpectResourceAction(awsResource, plancheck.ResourceActionUpdate)},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				Check: func(*terraform.State) error { return e.awsAccountHolds(awsAccount1, keyRotatedWO, c.name, "active") },
			},
		},
	})
}

// TestAccAWSAccount_identity: the identity is the account ID, and an import block can name it.
func TestAccAWSAccount_identity(t *testing.T) {
	e := newAWSEnv(t)
	c := newAWSConfig(keyReader)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)},
		CheckDestroy:             e.checkAWSGone(awsAccount1),
		Steps: []resource.TestStep{
			{
				Config: e.config(c.hcl()),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectIdentity(awsResource, map[string]knownvalue.Check{"account_id": knownvalue.StringExact(awsAccount1)}),
				},
			},
			{
				Config:             e.importConfig(c.hcl()),
				ResourceName:       awsResource,
				ImportState:        true,
				ImportStateKind:    resource.ImportBlockWithResourceIdentity,
				ExpectNonEmptyPlan: true,
				ImportPlanChecks: resource.ImportPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(awsResource, plancheck.ResourceActionUpdate)},
				},
			},
		},
	})
}

// TestAccAWSAccount_drift: deleted outside Terraform, it is planned for creation; changed,
// it is planned back.
func TestAccAWSAccount_drift(t *testing.T) {
	e := newAWSEnv(t)
	c := newAWSConfig(keyReader)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkAWSGone(awsAccount1),
		Steps: []resource.TestStep{
			{Config: e.config(c.hcl())},
			{
				PreConfig: func() {
					if err := client.AWSAccounts.Delete(context.Background(), e.api, awsAccount1); err != nil {
						t.Fatal(err)
					}
				},
				Config: e.config(c.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(awsResource, plancheck.ResourceActionCreate)},
				},
			},
			{
				PreConfig: func() {
					name, status := "Changed by hand", "inactive"
					if _, err := client.AWSAccounts.Update(context.Background(), e.api, awsAccount1,
						client.UpdateAWSAccountInput{Name: &name, Status: &status}); err != nil {
						t.Fatal(err)
					}
				},
				Config: e.config(c.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(awsResource, plancheck.ResourceActionUpdate)},
				},
				Check: func(*terraform.State) error { return e.awsAccountHolds(awsAccount1, keyReader, c.name, "active") },
			},
		},
	})
}

// TestAccAWSAccount_invalidConfigurationsNeverReachTheAPI: every rule of the AWS account's own
// fields fails at plan, and so does a new access key without its secret.
func TestAccAWSAccount_invalidConfigurationsNeverReachTheAPI(t *testing.T) {
	e := newAWSEnv(t)
	valid := newAWSConfig(keyReader)
	with := func(edit func(*awsConfig)) string {
		c := valid
		edit(&c)
		return e.config(c.hcl())
	}
	cases := []struct{ config, want string }{
		{with(func(c *awsConfig) { c.keyID = "AKIAreader0000000001" }), `access_key_id(.|\n)*AKIA and 16 upper-case`},
		{with(func(c *awsConfig) { c.keyID = "ASIAREADERKEY0000001" }), `access_key_id(.|\n)*AKIA and 16 upper-case`},
		{with(func(c *awsConfig) { c.keyID = keyReader + "0" }), `access_key_id(.|\n)*AKIA and 16 upper-case`},
		{with(func(c *awsConfig) { c.secret = c.secret[:39] }), `secret_access_key(.|\n)*length must be between 40 and 40, got: 39`},
		{with(func(c *awsConfig) { c.secret += "x" }), `secret_access_key(.|\n)*length must be between 40 and 40, got: 41`},
		{with(func(c *awsConfig) { c.accountID = "11112222333" }), `account_id(.|\n)*12 digits`},
		{with(func(c *awsConfig) { c.accountID = "1111-2222-3333" }), `account_id(.|\n)*12 digits`},
		{with(func(c *awsConfig) { c.status = "paused" }), `status(.|\n)*active(.|\n)*inactive`},
		{e.config(`resource "segura_aws_account" "test" {
  name          = "x"
  access_key_id = "` + keyReader + `"
}`), `Missing secret access key`},
	}
	var steps []resource.TestStep
	for _, tc := range cases {
		steps = append(steps, resource.TestStep{Config: tc.config, ExpectError: expectError(tc.want)})
	}
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: e.providers(), Steps: steps})
	e.checkNoAPICalls(t)
}

// TestAccAWSAccount_newKeyNeedsItsSecret: a new access_key_id with the old secret fails at
// plan, with no PATCH.
func TestAccAWSAccount_newKeyNeedsItsSecret(t *testing.T) {
	e := newAWSEnv(t)
	c := newAWSConfig(keyReader)
	newKey := c
	newKey.keyID = keyRotated
	patch := "PATCH " + emulator.AWSAccountsPath + "/{account_id}"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkAWSGone(awsAccount1),
		Steps: []resource.TestStep{
			{Config: e.config(c.hcl())},
			{Config: e.config(newKey.hcl()), ExpectError: expectError(`New access key without its secret(.|\n)*secret_access_key`)},
			{
				PreConfig: func() {
					if n := e.count(patch, ""); n != 0 {
						t.Errorf("%d PATCH requests; want none", n)
					}
				},
				Config:   e.config(c.hcl()),
				PlanOnly: true,
			},
		},
	})
}
