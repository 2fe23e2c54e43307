package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jonboulle/clockwork"

	"github.com/segura/terraform-provider-segura/internal/emulator"
)

// TestAccCLI_readsAfterAWriteAreGETs: a connection that a process has begun to write is read
// with its own GET, never from a listing read before the write (DESIGN.md, "Reads"). In one
// apply, the data sources d0 to d4 read after their tenants' renames: d4, the fifth read, lists
// the connections; only then is t5 renamed (it depends on d4), and d5 reads it after that. Read
// from that listing, d5 would show t5's old name.
func TestAccCLI_readsAfterAWriteAreGETs(t *testing.T) {
	e := newCLIEnvOf(t, emulator.Options{Clock: clockwork.NewRealClock(), CheapSecretHashes: true},
		"it needs no fault, but drives one apply through a listing", nil)
	const n = 6
	ids := make([]string, n)
	for i := range ids {
		ids[i] = uuid.NewString()
	}
	config := func(name string) string {
		var b strings.Builder
		b.WriteString(e.providerBlock(""))
		for i, id := range ids {
			dependsOn := ""
			if i == n-1 {
				dependsOn = fmt.Sprintf("depends_on = [data.segura_azure_tenant.d%d]", i-1)
			}
			fmt.Fprintf(&b, `
resource "segura_azure_tenant" "t%[1]d" {
  name             = "%[2]s %[1]d"
  tenant_id        = %[3]q
  application_id   = "aaaaaaaa-0000-4000-8000-%012[1]d"
  secret_value     = "secret-%[3]s"
  integration_mode = "read"
  %[4]s
}

data "segura_azure_tenant" "d%[1]d" {
  tenant_id  = %[3]q
  depends_on = [segura_azure_tenant.t%[1]d]
}

output "d%[1]d" { value = data.segura_azure_tenant.d%[1]d.name }
`, i, name, id, dependsOn)
		}
		return b.String()
	}
	e.writeConfig(config("Before"))
	e.apply("-parallelism=1")
	e.writeConfig(config("After"))
	e.apply("-parallelism=1")
	out, err := e.runBounded(t, nil, "output", "-raw", fmt.Sprintf("d%d", n-1))
	if err != nil {
		t.Fatalf("terraform output: %v\n%s", err, out)
	}
	if want := fmt.Sprintf("After %d", n-1); out != want {
		t.Errorf("the data source read %q after the rename, want %q: a listing read before the write hid it", out, want)
	}
}
