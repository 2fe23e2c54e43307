package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
)

// TestReprocessAction_awsAccountFailedRunGivesTheAWSAdvice: the reprocess action of an AWS
// account whose key has expired since it was connected fails with the run's reason and the
// AWS account's advice: rotate the access key.
func TestReprocessAction_awsAccountFailedRunGivesTheAWSAdvice(t *testing.T) {
	dir, err := emulator.LoadAWSDirectory("testdata/aws.json")
	if err != nil {
		t.Fatal(err)
	}
	clock := newSkipClock()
	e := newEmulatorEnv(t, emulator.Options{Clock: clock, AWS: dir}, "its AWS directory has a key that expires after 60 s")
	const expiring = "AKIAEXPIRESAFTER0060"
	if _, err := client.AWSAccounts.Create(context.Background(), e.api, client.CreateAWSAccountInput{Name: "Leaving",
		AccessKeyID: expiring, SecretAccessKey: "Expires/Secret+Key/000000000000000000000"}, ""); err != nil {
		t.Fatal(err)
	}
	clock.Advance(5 * time.Minute) // the first run has finished; the key has expired since
	p := newProtocolServer(t, e, clock)
	p.action, p.key = "segura_aws_account_reprocess", "account_id"
	res, err := p.invoke(p.actionConfig(awsAccount3, nil, ""))
	if err != nil {
		t.Fatal(err)
	}
	var failed *tfprotov6.Diagnostic
	for _, d := range res.diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			failed = d
		}
	}
	if res.completed != 1 || failed == nil {
		t.Fatalf("want one completion with the failed run; got %d with %s", res.completed, diagsText(res.diags))
	}
	if want := "AWS account " + awsAccount3; !strings.Contains(failed.Summary, want) {
		t.Errorf("summary %q does not name %s", failed.Summary, want)
	}
	for _, want := range []string{"(invalid_credentials)", "Rotate the access key", "secret_access_key_wo_version"} {
		if !strings.Contains(failed.Detail, want) {
			t.Errorf("the error lacks %q:\n%s", want, failed.Detail)
		}
	}
}
