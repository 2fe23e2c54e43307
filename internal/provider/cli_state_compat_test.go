package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jonboulle/clockwork"

	"github.com/segura/terraform-provider-segura/internal/client"
)

// The state that the provider at 4122fc6 (before the connection became the core's) wrote for
// stateCompatConfig, applied with Terraform 1.5.7: testdata/state-4122fc6.tfstate. Set
// SEGURA_TEST_OLD_PROVIDER_BIN to a build of that revision to apply with it instead (and
// SEGURA_TEST_RECORD_STATE=1 to record its state anew).
const stateCompatFile = "testdata/state-4122fc6.tfstate"

// stateCompatTenants are the connections of stateCompatConfig, as the emulator is seeded.
var stateCompatTenants = []client.CreateAzureTenantInput{
	{Name: "Prod", TenantID: "5f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44", ApplicationID: "AAAAAAAA-0000-4000-8000-00000000C0DE",
		SecretValue: "state-compat-secret-1", IntegrationMode: "read", Tags: []string{"eu", "prod"}, Status: "active"},
	{Name: "Lab", TenantID: "0b6f3d2a-8e1c-4f7a-9b2d-5c4e3a2b1f00", ApplicationID: "aaaaaaaa-0000-4000-8000-00000000c0d2",
		SecretValue: "state-compat-secret-2", IntegrationMode: "read_write", Status: "inactive"},
}

const stateCompatConfig = `
resource "segura_azure_tenant" "prod" {
  name             = "Prod"
  tenant_id        = "5f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44"
  application_id   = "AAAAAAAA-0000-4000-8000-00000000C0DE"
  secret_value     = "state-compat-secret-1"
  integration_mode = "read"
  tags             = ["prod", "eu"]
}

resource "segura_azure_tenant" "lab" {
  name             = "Lab"
  tenant_id        = "0b6f3d2a-8e1c-4f7a-9b2d-5c4e3a2b1f00"
  application_id   = "aaaaaaaa-0000-4000-8000-00000000c0d2"
  secret_value     = "state-compat-secret-2"
  integration_mode = "read_write"
  status           = "inactive"

  timeouts {
    create = "20m"
  }
}
`

// TestAccCLI_stateOfTheLastBuildPlansNoChanges: state written by the provider before the
// connection became the core's reads and plans "No changes" with this build: same type, same
// attributes, same shape.
func TestAccCLI_stateOfTheLastBuildPlansNoChanges(t *testing.T) {
	e := newCLIEnv(t, clockwork.NewRealClock(), "it seeds the connections of a recorded state")
	e.writeConfig(e.providerBlock("") + stateCompatConfig)
	if old := os.Getenv("SEGURA_TEST_OLD_PROVIDER_BIN"); old != "" {
		e.applyWith(old)
		if os.Getenv("SEGURA_TEST_RECORD_STATE") != "" {
			raw, err := os.ReadFile(filepath.Join(e.dir, "terraform.tfstate"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(stateCompatFile, raw, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	} else {
		for _, in := range stateCompatTenants {
			if _, err := e.api.CreateAzureTenant(context.Background(), in); err != nil {
				t.Fatal(err)
			}
		}
		raw, err := os.ReadFile(stateCompatFile)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(e.dir, "terraform.tfstate"), raw, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	_, wait := e.start("plan", "-detailed-exitcode", "-input=false", "-no-color")
	out, err := wait()
	if err != nil || !strings.Contains(out, "No changes.") { // -detailed-exitcode: 2 when there are changes
		t.Fatalf("plan of the recorded state (%v), want No changes:\n%s", err, out)
	}
}

// applyWith applies the folder's configuration with the provider build bin.
func (e *cliEnv) applyWith(bin string) {
	e.t.Helper()
	rc := filepath.Join(e.dir, "old.tfrc")
	if err := os.WriteFile(rc, fmt.Appendf(nil, "provider_installation {\n  dev_overrides {\n    \"segura/segura\" = %q\n  }\n  direct {}\n}\n",
		filepath.Dir(bin)), 0o600); err != nil {
		e.t.Fatal(err)
	}
	out, err := e.startWithOut([]string{"TF_CLI_CONFIG_FILE=" + rc}, "apply", "-auto-approve", "-input=false", "-no-color")
	if err != nil || strings.Contains(out, "Error:") {
		e.t.Fatalf("apply with %s failed (%v):\n%s", bin, err, out)
	}
}

// startWithOut runs the CLI with more environment variables to the end.
func (e *cliEnv) startWithOut(env []string, args ...string) (string, error) {
	_, wait := e.startWith(env, args...)
	return wait()
}
