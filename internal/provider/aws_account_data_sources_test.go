package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/segura/terraform-provider-segura/internal/client"
)

// connectAWSAccounts connects the accounts of the keys outside Terraform, the last one
// inactive and tagged "last".
func (e *accEnv) connectAWSAccounts(t *testing.T, keys ...string) {
	t.Helper()
	for i, key := range keys {
		in := client.CreateAWSAccountInput{Name: fmt.Sprint("Account ", i), AccessKeyID: key, SecretAccessKey: awsSecrets[key],
			Tags: []string{"all"}}
		if i == len(keys)-1 {
			in.Status, in.Tags = client.StatusInactive, []string{"all", "last"}
		}
		if _, err := client.AWSAccounts.Create(context.Background(), e.api, in, ""); err != nil {
			t.Fatal(err)
		}
	}
}

// TestAccAWSAccountDataSources: the single data source by account ID, and the plural one with
// each filter.
func TestAccAWSAccountDataSources(t *testing.T) {
	e := newAWSEnv(t)
	e.connectAWSAccounts(t, keyReader, keyOther, keyThird)
	const one, many = "data.segura_aws_account.test", "data.segura_aws_accounts.test"
	plural := func(filters string) string {
		return "data \"segura_aws_accounts\" \"test\" {\n" + filters + "}\n"
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		Steps: []resource.TestStep{
			{
				Config:      e.config("data \"segura_aws_account\" \"test\" {\n  account_id = \"123456789012\"\n}\n"),
				ExpectError: expectError(`AWS account not connected(.|\n)*account_id(.|\n)*segura_aws_accounts`),
			},
			{
				Config:      e.config("data \"segura_aws_account\" \"test\" {\n  account_id = \"1234\"\n}\n"),
				ExpectError: expectError(`account_id(.|\n)*12 digits`),
			},
			{
				Config: e.config(fmt.Sprintf("data \"segura_aws_account\" \"test\" {\n  account_id = %q\n}\n", awsAccount2) +
					plural("  exclude_account_ids = [\""+awsAccount1+"\"]\n  status = \"active\"\n")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(one, tfjsonpath.New("id"), knownvalue.StringExact(awsAccount2)),
					statecheck.ExpectKnownValue(one, tfjsonpath.New("access_key_id"), knownvalue.StringExact(keyOther)),
					statecheck.ExpectKnownValue(one, tfjsonpath.New("name"), knownvalue.StringExact("Account 1")),
					statecheck.ExpectKnownValue(many, tfjsonpath.New("accounts"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"account_id": knownvalue.StringExact(awsAccount2)}),
					})),
				},
			},
			{
				Config: e.config(plural("  tags = [\"last\"]\n")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(many, tfjsonpath.New("accounts"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"account_id": knownvalue.StringExact(awsAccount3),
							"status": knownvalue.StringExact("inactive")}),
					})),
				},
			},
		},
	})
}

// TestAccAWSAccountListResource_query: terraform query finds the AWS accounts, by identity.
func TestAccAWSAccountListResource_query(t *testing.T) {
	e := newAWSEnv(t)
	e.connectAWSAccounts(t, keyReader, keyOther, keyThird)
	list := func(name, filters string) string {
		return fmt.Sprintf("list \"segura_aws_account\" %q {\n  provider = segura\n  config {\n%s  }\n}\n", name, filters)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		TerraformVersionChecks:   []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_14_0)},
		Steps: []resource.TestStep{
			{Config: e.config("")},
			{
				Query: true,
				Config: list("all", "") + list("inactive", "    status = \"inactive\"\n") +
					list("unmanaged", fmt.Sprintf("    exclude_account_ids = [%q]\n", awsAccount1)),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("segura_aws_account.all", 3),
					querycheck.ExpectLength("segura_aws_account.unmanaged", 2),
					querycheck.ExpectIdentity("segura_aws_account.inactive", map[string]knownvalue.Check{
						"account_id": knownvalue.StringExact(awsAccount3),
					}),
				},
			},
		},
	})
}
