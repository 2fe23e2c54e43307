package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/jonboulle/clockwork"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
	"github.com/segura/terraform-provider-segura/internal/testutil"
)

const tokenRoute = "POST /oauth2/token"

// tokenRefusals are the codes that the API uses for verdicts on a tenant: a token endpoint
// that refuses the sign-in with one of them still says nothing of a tenant.
var tokenRefusals = []string{client.CodeValidationFailed, client.CodeSecretInUse, client.CodeTenantAlreadyConnected,
	client.CodeAzureConnectionFailed}

// TestAccCLI_tokenRefusedAfterOutage: while a create is sent, its token is revoked; the token
// endpoint then answers 503 for a while, and refuses the new sign-in with a code that the API
// also uses. The apply reports the refused credentials, naming the token URL; the plugin does
// not crash.
func TestAccCLI_tokenRefusedAfterOutage(t *testing.T) {
	e := newCLIEnv(t, clockwork.NewRealClock(), "it injects faults on the token endpoint")
	e.writeTenants(1)
	for _, code := range tokenRefusals {
		_, wait := e.start("plan", "-input=false", "-no-color", "-out=tfplan")
		if out, err := wait(); err != nil {
			t.Fatalf("plan: %v\n%s", err, out)
		}
		// The apply's own plan signs in; its create meets a 401 and signs in again.
		e.fault(emulator.Fault{Route: tokenRoute, Status: 503, After: 1, Count: 2})
		e.fault(emulator.Fault{Route: tokenRoute, Status: 400, Code: code, After: 1, Count: 1})
		e.fault(emulator.Fault{Route: createRoute, RevokeTokens: true, Count: 1})
		_, wait = e.start("apply", "-input=false", "-no-color", "tfplan")
		out, err := wait()
		if err == nil || !strings.Contains(out, "Segura refused the credentials") || !strings.Contains(out, e.url+"/oauth2/token") {
			t.Errorf("%s: the apply did not report the refused credentials (%v):\n%s", code, err, out)
		}
		if strings.Contains(out, "Plugin did not respond") || strings.Contains(out, "panic") {
			t.Errorf("%s: the plugin crashed:\n%s", code, out)
		}
		e.emu.ClearFaults()
	}
	if n := e.count(createRoute, "401"); n != len(tokenRefusals) {
		t.Errorf("%d creates met a revoked token, want %d: the test did not reach the create", n, len(tokenRefusals))
	}
}

// TestAccCLI_tokenRefusalsAreNoVerdicts: at plan time, a token endpoint that refuses the
// sign-in with a code of the API gets no verdict on the tenant ("already connected", "secret
// in use"): the plan fails on the credentials.
func TestAccCLI_tokenRefusalsAreNoVerdicts(t *testing.T) {
	e := newCLIEnv(t, clockwork.NewRealClock(), "it injects faults on the token endpoint")
	e.writeTenants(1)
	for _, code := range tokenRefusals {
		e.fault(emulator.Fault{Route: tokenRoute, Status: 400, Code: code})
		_, wait := e.start("plan", "-input=false", "-no-color")
		out, err := wait()
		e.emu.ClearFaults()
		if err == nil || !strings.Contains(out, "Segura refused the credentials") {
			t.Errorf("%s: the plan did not fail on the credentials (%v):\n%s", code, err, out)
		}
		for _, verdict := range []string{azureTenant.summaryAlreadyConnected(), "Client secret already in use", "Azure rejected", "Invalid "} {
			if strings.Contains(out, verdict) {
				t.Errorf("%s: the plan gives the verdict %q that nobody gave:\n%s", code, verdict, out)
			}
		}
	}
}

// TestAccCLI_connectsAfterManyRefusals: a create refused 40 times within a day (the role
// assigned late while a pipeline retries) connects at the first run after the fix, with one
// create.
func TestAccCLI_connectsAfterManyRefusals(t *testing.T) {
	d := newTestDirectory(0)
	e := newCLIEnvOf(t, emulator.Options{Directory: d.dir}, "its directory assigns a role late", nil)
	c := d.config(d.noRoleApp, "read")
	e.writeConfig(e.providerBlock(`  azure_propagation_timeout = "0s"`+"\n") + c.hcl())
	// The refusals of earlier runs, with the body the provider sends.
	in := client.CreateAzureTenantInput{Name: c.name, TenantID: c.tenantID, ApplicationID: c.appID, SecretValue: c.secret,
		IntegrationMode: c.mode, Status: client.StatusActive}
	const refusals = 40
	for range refusals {
		if _, err := e.api.CreateAzureTenant(context.Background(), in); !testutil.HasAzureFailure(err, client.ReasonMissingRole) {
			t.Fatalf("want missing_role, got %v", err)
		}
	}
	if n := e.count(createRoute, "422"); n < refusals {
		t.Fatalf("%d refusals, want %d", n, refusals)
	}
	for i := range d.dir.Tenants[0].Applications {
		if app := &d.dir.Tenants[0].Applications[i]; app.ApplicationID == d.noRoleApp {
			app.AzureRoles = append(app.AzureRoles, "Role Based Access Control Administrator") // the fix
		}
	}
	created := e.count(createRoute, "201")
	out := e.apply()
	if n := e.count(createRoute, "201") - created; n != 1 {
		t.Errorf("%d creates connected the tenant, want 1:\n%s", n, out)
	}
	if !e.stateTenants()[c.tenantID] {
		t.Errorf("tenant %s is not in state after the apply:\n%s", c.tenantID, out)
	}
}

func (e *cliEnv) count(route, status string) int { return e.emu.Counts().Total(route, status) }

// TestAccCLI_knownSecretWithoutWait: what the docs give a pipeline whose secrets exist before
// the run. With SEGURA_AZURE_PROPAGATION_TIMEOUT=0s, a wrong secret is refused by one create,
// reported by one error, and nothing is saved.
func TestAccCLI_knownSecretWithoutWait(t *testing.T) {
	d := newTestDirectory(0)
	e := newCLIEnvOf(t, emulator.Options{Directory: d.dir}, "its directory refuses the secret", nil)
	c := d.config(d.goodApp, "read")
	c.secret = "mistyped-" + c.secret
	e.writeConfig(e.providerBlock("") + c.hcl())
	_, wait := e.startWith([]string{"SEGURA_AZURE_PROPAGATION_TIMEOUT=0s"}, "apply", "-auto-approve", "-input=false", "-no-color")
	out, err := wait()
	if err == nil || strings.Count(out, "Error: ") != 1 || !strings.Contains(out, "Azure refused the client secret") {
		t.Errorf("want one error, Azure refused the client secret (%v):\n%s", err, out)
	}
	if strings.Contains(out, "waited for Microsoft Entra ID") {
		t.Errorf("the apply waited for propagation:\n%s", out)
	}
	if n := e.count(createRoute, ""); n != 1 {
		t.Errorf("%d creates sent, want 1", n)
	}
	if got := e.stateTenants(); len(got) != 0 {
		t.Errorf("state holds %v after a refused create", got)
	}
}
