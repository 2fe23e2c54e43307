package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jonboulle/clockwork"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
)

// These tests pin what DESIGN.md's "Reads, single and from list pages" promises of the requests
// of one provider process: each runs `terraform plan -parallelism=1`, one provider process
// whose refresh reads the connections one after another, and counts what it asked Segura.

// tenantIDAfter is a new tenant ID that sorts after every ID that tenantIDBefore makes: the
// emulator lists connections by tenant ID.
func tenantIDAfter() string  { return "ffffffff" + uuid.NewString()[8:] }
func tenantIDBefore() string { return "00000000" + uuid.NewString()[8:] }

// newReadsCLIEnv applies a configuration of n connections, with more provider settings, and
// returns its folder.
func newReadsCLIEnv(t *testing.T, n int, settings string) *cliEnv {
	t.Helper()
	e := newCLIEnvOf(t, emulator.Options{Clock: clockwork.NewRealClock(), CheapSecretHashes: true},
		"it counts the requests of one refresh", nil)
	var hcl strings.Builder
	for i := range n {
		fmt.Fprintf(&hcl, `
resource "segura_azure_tenant" "t%d" {
  name             = "Tenant %d"
  tenant_id        = %q
  application_id   = %q
  secret_value     = "secret-%s"
  integration_mode = "read"
}
`, i, i, tenantIDAfter(), uuid.NewString(), uuid.NewString())
	}
	e.writeConfig(e.providerBlock(settings) + hcl.String())
	e.apply()
	return e
}

// refreshCost runs one plan with the refresh, one read at a time, and returns how many
// single reads and list pages it asked for. The plan must find nothing to change.
func (e *cliEnv) refreshCost() (gets, pages int) {
	e.t.Helper()
	gets, pages = e.count(routeGetTenant, ""), e.count(routeListTenants, "")
	out := e.plan("-parallelism=1")
	if !strings.Contains(out, "No changes.") {
		e.t.Errorf("the refresh changed what the plan sees:\n%s", out)
	}
	return e.count(routeGetTenant, "") - gets, e.count(routeListTenants, "") - pages
}

// TestAccCLI_readsFirstFourAreGETs: a refresh of 5 connections reads the first 4 with a GET
// each, and the fifth from a list page.
func TestAccCLI_readsFirstFourAreGETs(t *testing.T) {
	e := newReadsCLIEnv(t, 5, "")
	if gets, pages := e.refreshCost(); gets != 4 || pages != 1 {
		t.Errorf("a refresh of 5 connections made %d GETs and read %d list pages, want 4 and 1", gets, pages)
	}
}

// TestAccCLI_readsPagesNoMoreThanReads: in an account of 1,000 other connections listed before
// them, a refresh of 5 reads at most 5 list pages, as many as its reads asked, and then its
// connection with a GET: the listing never costs more than the GETs it saves.
func TestAccCLI_readsPagesNoMoreThanReads(t *testing.T) {
	e := newReadsCLIEnv(t, 5, "")
	for i := range 1000 {
		in := client.CreateAzureTenantInput{Name: fmt.Sprint("Other ", i), TenantID: tenantIDBefore(), ApplicationID: uuid.NewString(),
			SecretValue: "secret-" + uuid.NewString(), IntegrationMode: "read"}
		if _, err := e.api.CreateAzureTenant(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
	if gets, pages := e.refreshCost(); gets != 5 || pages != 5 {
		t.Errorf("a refresh of 5 connections listed after 1,000 others made %d GETs and read %d list pages, want 5 and 5", gets, pages)
	}
}

// TestAccCLI_readsAfterAFailedPageAreGETs: once a list page has failed, every later read of
// the process is a GET; no read asks for a page again.
func TestAccCLI_readsAfterAFailedPageAreGETs(t *testing.T) {
	e := newReadsCLIEnv(t, 7, "  max_retries = 0\n")
	e.fault(emulator.Fault{Route: routeListTenants, Status: 503, Count: 1})
	if gets, pages := e.refreshCost(); gets != 7 || pages != 1 {
		t.Errorf("a refresh of 7 connections whose first list page failed made %d GETs and asked for %d list pages, want 7 and 1", gets, pages)
	}
}
