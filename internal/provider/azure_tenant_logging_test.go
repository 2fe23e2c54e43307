package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-testing/config"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/segura/terraform-provider-segura/internal/emulator"
)

// TestAccAzureTenant_secretsNeverLogged runs a create and a secret rotation with TF_LOG=trace
// and searches every log line, Terraform's and the provider's, for the secrets. It sets
// environment variables, so it cannot run in parallel.
func TestAccAzureTenant_secretsNeverLogged(t *testing.T) {
	apiSecret := "api-secret-" + uuid.NewString()
	e := newEmulatorEnv(t, emulator.Options{ClientSecret: apiSecret}, "it sets the service account's secret")
	logFile := filepath.Join(t.TempDir(), "trace.log")
	t.Setenv("TF_LOG", "TRACE")
	t.Setenv("TF_ACC_LOG_PATH", logFile)
	// Secrets come in as users pass them, through the environment and a sensitive variable,
	// because the test harness itself logs the text of each configuration.
	t.Setenv("SEGURA_CLIENT_SECRET", apiSecret)
	provider := fmt.Sprintf("provider \"segura\" {\n  url                  = %q\n  client_id            = %q\n  azure_authority_host = %q\n}\n",
		e.url, e.id, e.entraURL)

	c := newTenantConfig()
	first, rotated := c.secret, "rotated-"+uuid.NewString()
	c.secret = "${var.secret}"
	hcl := provider + "variable \"secret\" {\n  type      = string\n  sensitive = true\n}\n" + c.hcl()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(c.tenantID),
		Steps: []resource.TestStep{
			{Config: hcl, ConfigVariables: config.Variables{"secret": config.StringVariable(first)}},
			{Config: hcl, ConfigVariables: config.Variables{"secret": config.StringVariable(rotated)}},
		},
	})

	raw, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	logs := string(raw)
	// The provider's own records are there, so the search below searched them.
	for _, want := range []string{"API request", `secret_value\":\"(redacted)`, "method=PATCH"} {
		if !strings.Contains(logs, want) {
			t.Fatalf("the trace log lacks %q: the test did not capture the provider's logs", want)
		}
	}
	for name, secret := range map[string]string{"secret_value": first, "rotated secret_value": rotated, "client_secret": apiSecret} {
		if n := strings.Count(logs, secret); n > 0 {
			t.Errorf("the %s appears %d times in the TF_LOG=trace output", name, n)
		}
	}
	if strings.Contains(logs, "Bearer ") {
		t.Error("an Authorization header appears in the trace output")
	}
}
