package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
)

var (
	awsCreateRoute = "POST " + emulator.AWSAccountsPath
	awsPatchRoute  = "PATCH " + emulator.AWSAccountsPath + "/{account_id}"
	stsRoute       = emulator.AWSRoute("sts", "GetCallerIdentity")
)

// connectByHand connects the account of keyID outside Terraform.
func (e *accEnv) connectByHand(t *testing.T, keyID string) {
	t.Helper()
	if _, err := client.AWSAccounts.Create(context.Background(), e.api, client.CreateAWSAccountInput{
		Name: "By hand", AccessKeyID: keyID, SecretAccessKey: awsSecrets[keyID]}, ""); err != nil {
		t.Fatal(err)
	}
}

// TestAccAWSAccount_conflicts: an account connected elsewhere fails with the import command,
// at apply when the plan cannot know the account and at plan when account_id is set; a key of
// another connection and a key of another account are refused on access_key_id, by Segura and,
// for the other account, by the pre-flight before anything is sent.
func TestAccAWSAccount_conflicts(t *testing.T) {
	e := newAWSEnv(t)
	e.connectByHand(t, keyReader) // awsAccount1
	e.connectByHand(t, keyOther)  // awsAccount2
	sameAccount := newAWSConfig(keyRotated)
	sameAccountKnown := sameAccount
	sameAccountKnown.accountID = awsAccount1
	third := newAWSConfig(keyThird)
	inUse := third
	inUse.keyID, inUse.secret = keyOther, awsSecrets[keyOther]
	otherAccount := third
	otherAccount.keyID, otherAccount.secret = keyRotated, awsSecrets[keyRotated]
	importCommand := `AWS account already connected(.|\n)*terraform import\s+segura_aws_account.<resource name>\s+` + awsAccount1
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkAWSGone(awsAccount3),
		Steps: []resource.TestStep{
			{Config: e.config(sameAccount.hcl()), ExpectError: expectError(importCommand)},
			{Config: e.config(sameAccountKnown.hcl()), ExpectError: expectError(importCommand), PlanOnly: true},
			{
				PreConfig: func() {
					// Two by hand; the create of the first step was sent and refused; the second failed at plan.
					if n, all := e.count(awsCreateRoute, "409"), e.count(awsCreateRoute, ""); n != 1 || all != 3 {
						t.Errorf("creates: %d refused of %d; want 1 of 3", n, all)
					}
				},
				Config: e.config(third.hcl()),
			},
			{
				Config:      e.configWith("aws_preflight = false", inUse.hcl()),
				ExpectError: expectError(`Access key already in use(.|\n)*another connected AWS account`),
			},
			{
				Config: e.configWith("aws_preflight = false", otherAccount.hcl()),
				ExpectError: expectError(`Access key of another AWS account(.|\n)*Segura refused the new access key(.|\n)*` +
					awsAccount1),
			},
			{
				Config: e.config(otherAccount.hcl()),
				ExpectError: expectError(`Access key of another AWS account(.|\n)*belongs to AWS account ` + awsAccount1 +
					`, but account_id is ` + awsAccount3 + `(.|\n)*Found by the AWS pre-flight`),
			},
			{
				PreConfig: func() {
					if n := e.count(awsPatchRoute, ""); n != 2 {
						t.Errorf("%d PATCH requests; want 2 (credential in use, other account), none after the pre-flight's refusal", n)
					}
				},
				Config: e.config(third.hcl()),
				Check:  func(*terraform.State) error { return e.awsAccountHolds(awsAccount3, keyThird, third.name, "active") },
			},
		},
	})
}

// TestAccAWSAccount_preflight: each verdict of the pre-flight fails before anything is sent,
// on the attribute to fix and with what to do; a key whose user has the policy through a group
// connects.
func TestAccAWSAccount_preflight(t *testing.T) {
	e := newAWSEnv(t)
	wrongSecret := newAWSConfig(keyReader)
	wrongSecret.secret = awsSecrets[keyRotated]
	otherAccount := newAWSConfig(keyGroup)
	otherAccount.accountID = awsAccount3
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkAWSGone(awsAccount1),
		Steps: []resource.TestStep{
			{
				Config: e.config(wrongSecret.hcl()),
				ExpectError: expectError(`AWS refused the secret access key(.|\n)*secret_access_key(.|\n)*SignatureDoesNotMatch` +
					`(.|\n)*Found by the AWS pre-flight`),
			},
			{
				Config: e.config(newAWSConfig(keyNoPolicy).hcl()),
				ExpectError: expectError(`IAMReadOnlyAccess missing(.|\n)*user/no-policy lacks IAMReadOnlyAccess` +
					`(.|\n)*aws_iam_user_policy_attachment(.|\n)*Found by the AWS pre-flight`),
			},
			{
				// This user may not read its own policies (nothing grants it IAM reads), which the
				// pre-flight does not take for a missing policy: Segura's verification decides.
				Config:      e.config(newAWSConfig(keyGroupNo).hcl()),
				ExpectError: expectError(`IAMReadOnlyAccess missing(.|\n)*IAM user of access_key_id lacks IAMReadOnlyAccess`),
			},
			{
				Config: e.config(otherAccount.hcl()),
				ExpectError: expectError(`Access key of another AWS account(.|\n)*belongs to AWS account ` + awsAccount1 +
					`, but account_id is ` + awsAccount3),
			},
			{
				PreConfig: func() {
					if n := e.count(awsCreateRoute, ""); n != 1 {
						t.Errorf("%d creates sent; want 1: the pre-flight refuses every other key before", n)
					}
				},
				Config: e.config(newAWSConfig(keyGroup).hcl()),
				Check: func(*terraform.State) error {
					if n := e.count(emulator.AWSRoute("iam", "ListGroupsForUser"), "200"); n == 0 {
						return fmt.Errorf("the pre-flight never read the user's groups: %+v", e.emu.Counts())
					}
					return e.awsAccountHolds(awsAccount1, keyGroup, "Production", "active")
				},
			},
		},
	})
}

// TestAccAWSAccount_preflightOff: with aws_preflight = false, Segura's verification decides,
// and its verdict is explained the same way; STS is never asked.
func TestAccAWSAccount_preflightOff(t *testing.T) {
	e := newAWSEnv(t)
	wrongSecret := newAWSConfig(keyReader)
	wrongSecret.secret = awsSecrets[keyRotated]
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		Steps: []resource.TestStep{
			{
				Config:      e.configWith("aws_preflight = false", wrongSecret.hcl()),
				ExpectError: expectError(`AWS refused the secret access key(.|\n)*secret_access_key(.|\n)*` + requestID),
			},
			{
				Config:      e.configWith("aws_preflight = false", newAWSConfig(keyNoPolicy).hcl()),
				ExpectError: expectError(`IAMReadOnlyAccess missing(.|\n)*aws_iam_group_policy_attachment`),
			},
		},
	})
	if n := e.count(stsRoute, ""); n != 0 {
		t.Errorf("STS was asked %d times with aws_preflight = false", n)
	}
	if n := e.count(awsCreateRoute, "422"); n != 2 {
		t.Errorf("%d creates refused by Segura, want 2: a wrong secret and a missing policy fail at once", n)
	}
	// The same through the environment.
	t.Setenv("SEGURA_AWS_PREFLIGHT", "false")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		Steps: []resource.TestStep{
			{Config: e.config(wrongSecret.hcl()), ExpectError: expectError(`AWS refused the secret access key`)},
		},
	})
	if n := e.count(stsRoute, ""); n != 0 {
		t.Errorf("STS was asked %d times with SEGURA_AWS_PREFLIGHT=false", n)
	}
}

// TestAccAWSAccount_propagation: a key that STS knows only 20 s after it was made connects
// within the default window of 30 s, waiting on the provider's clock.
func TestAccAWSAccount_propagation(t *testing.T) {
	e := newAWSEnv(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkAWSGone(awsAccount1),
		Steps: []resource.TestStep{
			{
				Config: e.config(newAWSConfig(keyNewKey).hcl()),
				Check: func(*terraform.State) error {
					if n := e.count(stsRoute, "403"); n < 1 {
						return fmt.Errorf("STS refused the new key %d times; the test did not meet propagation", n)
					}
					return e.awsAccountHolds(awsAccount1, keyNewKey, "Production", "active")
				},
			},
		},
	})
}

// TestAccAWSAccount_propagationGivesUp: a key that STS never knows fails with one error within
// 45 s of the provider's clock by default, and at once with propagation_timeout = "0s".
func TestAccAWSAccount_propagationGivesUp(t *testing.T) {
	e := newAWSEnv(t)
	start := e.clock.Now()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		Steps: []resource.TestStep{
			{
				Config: e.config(newAWSConfig(keyNever).hcl()),
				ExpectError: expectError(`AWS refused the access key(.|\n)*access_key_id(.|\n)*InvalidClientTokenId` +
					`(.|\n)*propagation_timeout`),
			},
		},
	})
	if waited := e.clock.Since(start); waited < 20*time.Second || waited > 45*time.Second {
		t.Errorf("waited %s for the key; want the default window of 30 s, under 45 s", waited)
	}
	tries := e.count(stsRoute, "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		Steps: []resource.TestStep{
			{
				Config:      e.configWith(`propagation_timeout = "0s"`, newAWSConfig(keyNever).hcl()),
				ExpectError: expectError(`AWS refused the access key`),
			},
		},
	})
	// The harness plans twice (plan, then apply), each plan asking once (warnRefusedNow); the
	// apply tries once.
	if n := e.count(stsRoute, "") - tries; n != 3 {
		t.Errorf("STS asked %d times with propagation_timeout = 0s; want 3: once a plan and one try of the apply", n)
	}
}

// TestAccAWSAccount_secretsNeverLogged runs a create and a key rotation with TF_LOG=trace and
// searches every log line for the secret access keys.
func TestAccAWSAccount_secretsNeverLogged(t *testing.T) {
	e := newAWSEnv(t)
	logFile := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	c := newAWSConfig(keyReader)
	c.secret = "${var.secret}"
	hcl := e.config("variable \"secret\" {\n  type      = string\n  sensitive = true\n}\n" + c.hcl())
	rotated := c
	rotated.keyID = keyRotated
	rotatedHCL := e.config("variable \"secret\" {\n  type      = string\n  sensitive = true\n}\n" + rotated.hcl())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkAWSGone(awsAccount1),
		Steps: []resource.TestStep{
			{Config: hcl, ConfigVariables: config.Variables{"secret": config.StringVariable(awsSecrets[keyReader])}},
			{Config: rotatedHCL, ConfigVariables: config.Variables{"secret": config.StringVariable(awsSecrets[keyRotated])}},
		},
	})
	raw, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	logs := string(raw)
	for _, want := range []string{"API request", `secret_access_key\":\"(redacted)`, "method=PATCH"} {
		if !strings.Contains(logs, want) {
			t.Fatalf("the trace log lacks %q: the test did not capture the provider's logs", want)
		}
	}
	for _, key := range []string{keyReader, keyRotated} {
		if n := strings.Count(logs, awsSecrets[key]); n > 0 {
			t.Errorf("the secret of %s appears %d times in the TF_LOG=trace output", key, n)
		}
	}
}
