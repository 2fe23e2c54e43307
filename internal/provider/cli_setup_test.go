package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-version"
	"github.com/jonboulle/clockwork"

	"github.com/segura/terraform-provider-segura/internal/emulator"
)

// These tests drive what Setup does for a connected tenant through the real CLI: the cost of
// deactivating, credentials that stopped working, and the reprocess action.

// plan runs terraform plan in the folder and returns what it printed.
func (e *cliEnv) plan(args ...string) string {
	e.t.Helper()
	_, wait := e.start(append([]string{"plan", "-input=false", "-no-color"}, args...)...)
	out, err := wait()
	if err != nil {
		e.t.Fatalf("plan failed (%v):\n%s", err, out)
	}
	return out
}

var deactivationWarning = regexp.MustCompile(`Warning: An inactive connection leaves the report(.|\n)*status(.|\n)*identities(.|\n)*recommendations`)

// readConfig is the folder's configuration.
func (e *cliEnv) readConfig() string {
	e.t.Helper()
	b, err := os.ReadFile(filepath.Join(e.dir, "main.tf"))
	if err != nil {
		e.t.Fatal(err)
	}
	return string(b)
}

// TestAccCLI_deactivationWarns: a plan that creates a connection inactive, or sets status to
// inactive, warns on status that the tenant leaves the report; other plans do not.
func TestAccCLI_deactivationWarns(t *testing.T) {
	e := newCLIEnv(t, clockwork.NewRealClock(), "its CLI runs need a configuration of their own")
	e.writeTenants(1)
	active := e.readConfig()
	inactive := strings.Replace(active, `integration_mode = "read"`, "integration_mode = \"read\"\n  status           = \"inactive\"", 1)
	renamed := strings.Replace(active, `"Tenant 0"`, `"Renamed"`, 1)
	for _, step := range []struct {
		what, hcl string
		apply     bool
		warns     bool
	}{
		{"a create of an inactive connection", inactive, false, true},
		{"a create of an active one", active, true, false},
		{"a rename", renamed, false, false},
		{"setting status to inactive", inactive, false, true},
	} {
		e.writeConfig(step.hcl)
		out := e.plan()
		if deactivationWarning.MatchString(out) != step.warns {
			t.Errorf("%s: warns %v, want %v:\n%s", step.what, !step.warns, step.warns, out)
		}
		if step.apply {
			e.apply()
		}
	}
}

const (
	reprocessRoute = "POST /api/cloud-entitlements/v1/azure/tenants/{tenant_id}/reprocess"
	getTenantRoute = "GET /api/cloud-entitlements/v1/azure/tenants/{tenant_id}"
)

// newActionEnv is a CLI env whose emulator runs synchronizations of 3 s on a fake clock that
// moves on by half a synchronization each time the connection is reprocessed or read, so that
// the action's polls see it progress without the test waiting for it. Actions need Terraform
// 1.14.
func newActionEnv(t *testing.T, opts emulator.Options) (*cliEnv, *clockwork.FakeClock) {
	t.Helper()
	clock := clockwork.NewFakeClockAt(time.Now())
	opts.Clock, opts.SyncDuration = clock, 3*time.Second
	e := newCLIEnvOf(t, opts, "it runs synchronizations on its clock", nil)
	if v := e.cliVersion(); v.LessThan(version.Must(version.NewVersion("1.14.0"))) || strings.Contains(e.cli, "tofu") {
		t.Skipf("actions need Terraform 1.14 or later; %s is %s", e.cli, v)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	go func() {
		for {
			select {
			case a := <-e.answers:
				if a == getTenantRoute+" 200" || a == reprocessRoute+" 202" {
					clock.Advance(1500 * time.Millisecond) // half a synchronization
				}
			case <-done:
				return
			}
		}
	}()
	return e, clock
}

// actionHCL is a connection, and the reprocess action of it. The action names the tenant by
// value: one that its resource triggers cannot refer to that resource (a cycle).
func actionHCL(c tenantConfig, lifecycle string) string {
	return strings.Replace(c.hcl(), "}\n", lifecycle+"}\n", 1) + fmt.Sprintf(`
action "segura_azure_tenant_reprocess" "now" {
  config {
    tenant_id = %q
  }
}
`, c.tenantID)
}

// invoke runs terraform apply -invoke of the reprocess action.
func (e *cliEnv) invoke() (string, error) {
	_, wait := e.start("apply", "-auto-approve", "-input=false", "-no-color", "-invoke=action.segura_azure_tenant_reprocess.now")
	return wait()
}

// TestAccCLI_reprocessWaitsAndSucceeds: an invoked reprocess starts a synchronization, shows
// its progress, and ends when it has succeeded.
func TestAccCLI_reprocessWaitsAndSucceeds(t *testing.T) {
	e, clock := newActionEnv(t, emulator.Options{})
	e.writeConfig(e.providerBlock("") + actionHCL(newTenantConfig(), ""))
	e.apply()
	clock.Advance(time.Minute) // the first synchronization has finished
	out, err := e.invoke()
	if err != nil {
		t.Fatalf("invoke (%v):\n%s", err, out)
	}
	for _, want := range []string{"synchronization pending", "synchronization running", "synchronization succeeded"} {
		if !strings.Contains(out, want) {
			t.Errorf("the progress lacks %q:\n%s", want, out)
		}
	}
	if n := e.count(reprocessRoute, "202"); n != 1 {
		t.Errorf("%d reprocess requests, want 1", n)
	}
}

// TestAccCLI_reprocessFailsWithTheReason: a synchronization that fails because the secret
// expired fails the action with the reason and what to do; the refresh of the connection warns
// of it, and the check block of the docs reports it.
func TestAccCLI_reprocessFailsWithTheReason(t *testing.T) {
	d := newTestDirectory(0)
	for i := range d.dir.Tenants[0].Applications {
		if app := &d.dir.Tenants[0].Applications[i]; app.ApplicationID == d.goodApp {
			app.Secrets[0].ExpiresAfterSeconds = 3600
		}
	}
	e, clock := newActionEnv(t, emulator.Options{Directory: d.dir})
	c := d.config(d.goodApp, "read")
	e.writeConfig(e.providerBlock("") + actionHCL(c, "") + checkExample(t))
	e.apply()
	clock.Advance(2 * time.Hour) // the secret has expired; the next runs fail
	out, err := e.invoke()
	if err == nil || !regexp.MustCompile(`Credentials of Azure tenant(.|\n)*no longer work(.|\n)*invalid_credentials(.|\n)*Rotate`).MatchString(out) {
		t.Errorf("the failed synchronization does not fail the action with its reason (%v):\n%s", err, out)
	}
	out = e.plan()
	if !strings.Contains(out, "Warning: Credentials of Azure tenant "+c.tenantID+" no longer work") {
		t.Errorf("the plan does not warn of the expired credentials:\n%s", out)
	}
	if !regexp.MustCompile(`Check block assertion failed(.|\n)*` + c.tenantID + `(.|\n)*invalid_credentials`).MatchString(out) {
		t.Errorf("the check block of the docs does not report the failed synchronization:\n%s", out)
	}
}

// checkExample is the docs' check block of failed synchronizations.
func checkExample(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../examples/checks/synchronizations.tf")
	if err != nil {
		t.Fatal(err)
	}
	return "\n" + string(b)
}

// TestAccCLI_reprocessAfterUpdate: a lifecycle action_trigger reprocesses the connection after
// an update.
func TestAccCLI_reprocessAfterUpdate(t *testing.T) {
	e, _ := newActionEnv(t, emulator.Options{})
	c := newTenantConfig()
	trigger := "  lifecycle {\n    action_trigger {\n      events  = [after_update]\n      actions = [action.segura_azure_tenant_reprocess.now]\n    }\n  }\n"
	e.writeConfig(e.providerBlock("") + actionHCL(c, trigger))
	e.apply()
	if n := e.count(reprocessRoute, ""); n != 0 {
		t.Fatalf("%d reprocess requests after the create, want 0", n)
	}
	c.name = "Renamed"
	e.writeConfig(e.providerBlock("") + actionHCL(c, trigger))
	out := e.apply()
	if n := e.count(reprocessRoute, "202"); n != 1 || !strings.Contains(out, "synchronization succeeded") {
		t.Errorf("%d reprocess requests after the update, want 1:\n%s", n, out)
	}
}

// TestAccCLI_reprocessRefusesInactive: an inactive connection is refused with what to do,
// without a reprocess request.
func TestAccCLI_reprocessRefusesInactive(t *testing.T) {
	e, _ := newActionEnv(t, emulator.Options{})
	c := newTenantConfig()
	c.status = "inactive"
	e.writeConfig(e.providerBlock("") + actionHCL(c, ""))
	e.apply()
	out, err := e.invoke()
	if err == nil || !regexp.MustCompile(`Connection inactive(.|\n)*status = "active"`).MatchString(out) {
		t.Errorf("an inactive connection was not refused (%v):\n%s", err, out)
	}
	if n := e.count(reprocessRoute, ""); n != 0 {
		t.Errorf("%d reprocess requests for an inactive connection, want 0", n)
	}
}

// TestAccCLI_refreshNamesWhatToGrant: a connection whose Azure role was removed after it
// connected fails its next synchronization with missing_role; the plan warns, naming each role
// that the mode needs with its role definition ID. Any CLI: no action is involved.
func TestAccCLI_refreshNamesWhatToGrant(t *testing.T) {
	d := newTestDirectory(0)
	clock := clockwork.NewFakeClockAt(time.Now())
	e := newCLIEnvOf(t, emulator.Options{Directory: d.dir, Clock: clock, SyncDuration: 3 * time.Second},
		"its directory loses a role after the connection is made", nil)
	c := d.config(d.goodApp, "read")
	e.writeConfig(e.providerBlock("") + c.hcl())
	e.apply()
	clock.Advance(time.Minute) // the first synchronization succeeded
	if out := e.plan(); strings.Contains(out, "Warning: Synchronization") {
		t.Fatalf("a plan warns before the role is removed:\n%s", out)
	}
	for i := range d.dir.Tenants[0].Applications {
		if app := &d.dir.Tenants[0].Applications[i]; app.ApplicationID == d.goodApp {
			app.AzureRoles = []string{"Reader"}
		}
	}
	clock.Advance(20 * time.Minute) // the next run, 15 minutes after the first, has failed
	out := e.plan()
	want := regexp.MustCompile(`Warning: Synchronization of Azure tenant ` + c.tenantID + ` lacks a role(.|\n)*missing_role` +
		`(.|\n)*Reader\s+\(role definition acdd72a7-3385-48ef-bd42-f606fba81ae7\)` +
		`(.|\n)*Role Based Access Control\s+Administrator\s+\(role definition\s+f58310d9-a9f6-439a-9e8d-f62e7b41a168\)`)
	if !want.MatchString(out) {
		t.Errorf("the plan does not warn of the missing role with the roles to assign:\n%s", out)
	}
}
