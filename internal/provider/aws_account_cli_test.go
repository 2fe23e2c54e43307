package provider

import (
	"strings"
	"testing"

	"github.com/segura/terraform-provider-segura/internal/emulator"
)

// TestAccCLI_awsPlanWarnsOfARefusedKey: a plan that would send a key that AWS refuses now
// warns on the attribute to fix and does not fail, since the key may still be propagating; a
// plan that sends a good key warns of nothing, and a no-op plan asks AWS nothing. Warnings
// show only in the CLI's output.
func TestAccCLI_awsPlanWarnsOfARefusedKey(t *testing.T) {
	dir, err := emulator.LoadAWSDirectory("testdata/aws.json")
	if err != nil {
		t.Fatal(err)
	}
	e := newCLIEnvOf(t, emulator.Options{AWS: dir}, "it needs an AWS directory fixture and its STS and IAM", nil)
	e.env = append(e.env, "AWS_ENDPOINT_URL_STS="+e.url+emulator.AWSPath, "AWS_ENDPOINT_URL_IAM="+e.url+emulator.AWSPath)
	refusedNow := func(out string) []diagnostic {
		var found []diagnostic
		for _, d := range diagnostics(out) {
			if d.kind == "Warning" && strings.HasSuffix(d.summary, "(refused now)") {
				found = append(found, d)
			}
		}
		return found
	}
	plan := func(keyID, secret string) string {
		t.Helper()
		c := newAWSConfig(keyID)
		c.secret = secret
		e.writeConfig(e.providerBlock("") + c.hcl())
		out, err := e.run("plan")
		if err != nil {
			t.Fatalf("plan of %s failed (%v); a refusal at plan must only warn:\n%s", keyID, err, out)
		}
		return out
	}

	for _, tc := range []struct{ key, secret, want string }{
		{keyNever, awsSecrets[keyNever], `AWS refused the access key \(refused now\)(.|\n)*InvalidClientTokenId(.|\n)*waits up to 30s`},
		{keyReader, awsSecrets[keyRotated], `AWS refused the secret access key \(refused now\)`},
		{keyNoPolicy, awsSecrets[keyNoPolicy], `IAMReadOnlyAccess missing \(refused now\)(.|\n)*user/no-policy`},
	} {
		out := plan(tc.key, tc.secret)
		if got := refusedNow(out); len(got) != 1 || !expectError(tc.want).MatchString(got[0].text) {
			t.Errorf("plan of %s: want one warning matching %s, got %+v:\n%s", tc.key, tc.want, got, out)
		}
	}
	if out := plan(keyReader, awsSecrets[keyReader]); len(refusedNow(out)) != 0 {
		t.Errorf("the plan of a good key warned:\n%s", out)
	}
	e.apply()
	asked := e.emu.Counts().Total(stsRoute, "")
	if out := plan(keyReader, awsSecrets[keyReader]); !strings.Contains(out, "No changes") {
		t.Fatalf("want a no-op plan:\n%s", out)
	}
	if n := e.emu.Counts().Total(stsRoute, "") - asked; n != 0 {
		t.Errorf("a no-op plan asked STS %d times", n)
	}
	if _, err := e.run("destroy", "-auto-approve"); err != nil {
		t.Fatal(err)
	}
}
