package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/segura/terraform-provider-segura/internal/azure"
	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
)

// testDirectory is an Azure directory with one tenant whose applications each show one fault.
type testDirectory struct {
	tenantID                                 string
	goodApp, readOnlyApp, noRoleApp, lateApp string
	// lateConsentApp has the read_write permissions, but the ones beyond read show in its
	// tokens only after lateSeconds (a consent propagating).
	lateConsentApp string
	secrets        map[string]string // by application
	dir            *emulator.Directory
}

func permissionNames(mode string) []string {
	var names []string
	for _, p := range azure.RequiredPermissions(mode) {
		names = append(names, p.Name)
	}
	return names
}

func newTestDirectory(lateSeconds int) *testDirectory {
	d := &testDirectory{
		tenantID: uuid.NewString(), goodApp: uuid.NewString(), readOnlyApp: uuid.NewString(),
		noRoleApp: uuid.NewString(), lateApp: uuid.NewString(), lateConsentApp: uuid.NewString(), secrets: map[string]string{},
	}
	roles := []string{"Reader", "Role Based Access Control Administrator"}
	app := func(id string, perms, roles []string, validAfter int) emulator.DirectoryApplication {
		d.secrets[id] = "secret-" + uuid.NewString()
		return emulator.DirectoryApplication{
			ApplicationID: id, GraphPermissions: perms, AzureRoles: roles,
			Secrets: []emulator.DirectorySecret{{Value: d.secrets[id], ValidAfterSeconds: validAfter}},
		}
	}
	lateConsent := app(d.lateConsentApp, permissionNames(azure.ModeRead), roles, 0)
	lateConsent.LateGraphPermissions = azure.MissingPermissions(azure.ModeReadWrite, permissionNames(azure.ModeRead))
	lateConsent.LateGraphPermissionsSeconds = lateSeconds
	d.dir = &emulator.Directory{Tenants: []emulator.DirectoryTenant{{
		TenantID: d.tenantID,
		Applications: []emulator.DirectoryApplication{
			app(d.goodApp, permissionNames(azure.ModeReadWrite), roles, 0),
			app(d.readOnlyApp, permissionNames(azure.ModeRead), roles, 0),
			app(d.noRoleApp, permissionNames(azure.ModeReadWrite), []string{"Reader"}, 0),
			app(d.lateApp, permissionNames(azure.ModeReadWrite), roles, lateSeconds),
			lateConsent,
		},
	}}}
	return d
}

func (d *testDirectory) config(app, mode string) tenantConfig {
	return tenantConfig{tenantID: d.tenantID, appID: app, secret: d.secrets[app], name: "Directory test", mode: mode}
}

const requestID = `Request ID: [0-9a-f]{32}`

func TestAccAzureTenant_azureFailures(t *testing.T) {
	d := newTestDirectory(3600)
	e := newEmulatorEnv(t, emulator.Options{Directory: d.dir}, "it drives Azure failures from a directory fixture")
	wrongSecret := d.config(d.goodApp, "read")
	wrongSecret.secret = "not-the-secret"
	unknownApp := d.config(d.goodApp, "read")
	unknownApp.appID = uuid.NewString()
	unknownTenant := d.config(d.goodApp, "read")
	unknownTenant.tenantID = uuid.NewString()

	// The API's own verification, without the pre-flight and without waiting for propagation.
	const apiOnly = "azure_preflight = false\n  azure_propagation_timeout = \"0s\""
	step := func(c tenantConfig, want string) resource.TestStep {
		return resource.TestStep{Config: e.configWith(apiOnly, c.hcl()), ExpectError: expectError(want)}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(d.tenantID),
		Steps: []resource.TestStep{
			step(wrongSecret, `Azure refused the client secret(.|\n)*secret_value(.|\n)*AADSTS7000215(.|\n)*Value, not its Secret ID(.|\n)*`+requestID),
			step(unknownApp, `Application not found in the tenant(.|\n)*application_id(.|\n)*AADSTS700016`),
			step(unknownTenant, `Azure tenant not found(.|\n)*tenant_id(.|\n)*AADSTS90002`),
			step(d.config(d.lateApp, "read"), `Azure refused the client secret(.|\n)*not propagated yet`),
			step(d.config(d.readOnlyApp, "read_write"),
				`Microsoft Graph permissions missing(.|\n)*Application.ReadWrite.All \(app role 1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9\)`+
					`(.|\n)*AppRoleAssignment.ReadWrite.All \(app role 06b708a9-e830-4db3-a914-8e69da51d44f\)`+
					`(.|\n)*RoleManagement.ReadWrite.Directory \(app role 9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8\)(.|\n)*grant admin consent`),
			step(d.config(d.noRoleApp, "read"),
				`Azure roles missing(.|\n)*Role Based Access Control Administrator \(role definition f58310d9-a9f6-439a-9e8d-f62e7b41a168\)`),
			{
				// The read-only application is enough for read; switching it to read_write is refused
				// in place and leaves the connection as it was.
				Config: e.configWith(apiOnly, d.config(d.readOnlyApp, "read").hcl()),
			},
			{
				Config:      e.configWith(apiOnly, d.config(d.readOnlyApp, "read_write").hcl()),
				ExpectError: expectError(`Microsoft Graph permissions missing`),
			},
			{
				// The refused update left the connection as it was, on the server and so in the
				// refreshed plan. (A check on the failing step above would never run.)
				PreConfig: func() {
					got, err := e.api.GetAzureTenant(context.Background(), d.tenantID)
					if err != nil || got.IntegrationMode != "read" {
						t.Errorf("a refused update changed the connection: %+v %v", got, err)
					}
				},
				Config:           e.configWith(apiOnly, d.config(d.readOnlyApp, "read").hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
	if n := e.count("POST /api/cloud-entitlements/v1/azure/tenants", "201"); n != 1 {
		t.Errorf("%d connections created; only the valid read configuration should connect", n)
	}
}

func TestAccAzureTenant_conflicts(t *testing.T) {
	e := newAccEnv(t)
	existing := newTenantConfig()
	taken := newTenantConfig()
	e.deleteIfExists(t, existing.tenantID)
	e.deleteIfExists(t, taken.tenantID)
	ctx := context.Background()
	for _, c := range []tenantConfig{existing, taken} {
		if _, err := e.api.CreateAzureTenant(ctx, client.CreateAzureTenantInput{Name: "By hand", TenantID: c.tenantID,
			ApplicationID: c.appID, SecretValue: c.secret, IntegrationMode: "read"}); err != nil {
			t.Fatal(err)
		}
	}
	reuse := newTenantConfig()
	reuse.secret = taken.secret
	twice := newTenantConfig()
	twiceHCL := twice.hcl() + fmt.Sprintf(`
resource "segura_azure_tenant" "again" {
  name             = "Same tenant again"
  tenant_id        = %q
  application_id   = %q
  secret_value     = "another-%s"
  integration_mode = "read"
}
`, twice.tenantID, twice.appID, uuid.NewString())

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(reuse.tenantID, twice.tenantID),
		Steps: []resource.TestStep{
			{
				Config: e.config(existing.hcl()),
				ExpectError: expectError(`Azure tenant already connected(.|\n)*tenant_id(.|\n)*terraform import\s+segura_azure_tenant.<resource name>\s+` +
					existing.tenantID + `(.|\n)*import \{`),
			},
			{
				Config:      e.config(reuse.hcl()),
				ExpectError: expectError(`Client secret already in use(.|\n)*secret_value`),
			},
			{
				Config:      e.config(twiceHCL),
				ExpectError: expectError(`Azure tenant already connected(.|\n)*keep only one`),
			},
			{
				// Exactly one of the two resources connected the tenant. (A check on the failing
				// step above would never run.) This step's empty configuration then removes it.
				PreConfig: func() {
					n := 0
					for tenant, err := range e.api.AllAzureTenants(ctx, client.ListAzureTenantsInput{}) {
						if err != nil {
							t.Fatal(err)
						}
						if tenant.TenantID == twice.tenantID {
							n++
						}
					}
					if n != 1 {
						t.Errorf("%d connections for the tenant, want exactly 1", n)
					}
				},
				Config: e.config(""),
			},
		},
	})
}

func TestAccProvider_credentialErrors(t *testing.T) {
	e := newEmulatorEnv(t, emulator.Options{}, "it uses the emulator's viewer account and a closed port")
	c := newTenantConfig()
	withProvider := func(provider string) string { return provider + c.hcl() }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		Steps: []resource.TestStep{
			{
				Config: withProvider(fmt.Sprintf("provider \"segura\" {\n  url = %q\n  client_id = %q\n  client_secret = %q\n  azure_preflight = false\n}\n",
					e.url, emulator.DemoViewerID, emulator.DemoViewerSecret)),
				ExpectError: expectError(`Not allowed(.|\n)*administrator(.|\n)*` + requestID),
			},
			{
				// At plan time: the plan asks whether the tenant is connected.
				Config:      withProvider(fmt.Sprintf("provider \"segura\" {\n  url = %q\n  client_id = \"demo-client\"\n  client_secret = \"wrong\"\n  azure_preflight = false\n}\n", e.url)),
				PlanOnly:    true,
				ExpectError: expectError(`Segura refused the credentials(.|\n)*SEGURA_CLIENT_SECRET`),
			},
			{
				// A client secret that is a common word is masked without garbling the advice.
				Config:      withProvider(fmt.Sprintf("provider \"segura\" {\n  url = %q\n  client_id = \"demo-client\"\n  client_secret = \"secret\"\n  azure_preflight = false\n}\n", e.url)),
				PlanOnly:    true,
				ExpectError: expectError(`Check the provider's client_id and\s+client_secret\s+\(SEGURA_CLIENT_ID,\s+SEGURA_CLIENT_SECRET\)`),
			},
			{
				// A url with the API's path: refused by validation, naming the base URL.
				Config: withProvider(fmt.Sprintf("provider \"segura\" {\n  url = \"%s/api/cloud-entitlements/v1\"\n  azure_preflight = false\n}\n", e.url)),
				ExpectError: expectError(`holds the API path /api/cloud-entitlements/v1; give the base URL only:\s+` +
					regexp.QuoteMeta(e.url)),
			},
			{
				// A url whose token endpoint is not one: the message names the URL it called.
				Config:      withProvider(fmt.Sprintf("provider \"segura\" {\n  url = \"%s/segura\"\n  client_id = %q\n  client_secret = %q\n  azure_preflight = false\n}\n", e.url, e.id, e.secret)),
				PlanOnly:    true,
				ExpectError: expectError(`Not a token endpoint(.|\n)*` + regexp.QuoteMeta(e.url+"/segura/oauth2/token") + `(.|\n)*404(.|\n)*base URL`),
			},
			{
				// Unreachable at plan time: the plan warns and goes on.
				Config:             withProvider("provider \"segura\" {\n  url = \"http://127.0.0.1:1\"\n  client_id = \"unreachable-client\"\n  client_secret = \"unreachable-secret\"\n  max_retries = 0\n  azure_preflight = false\n}\n"),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config:      withProvider("provider \"segura\" {\n  url = \"http://127.0.0.1:1\"\n  client_id = \"unreachable-client\"\n  client_secret = \"unreachable-secret\"\n  max_retries = 0\n  azure_preflight = false\n}\n"),
				ExpectError: expectError(`Segura token endpoint unreachable(.|\n)*http://127.0.0.1:1/oauth2/token`),
			},
			{
				// A plan that would connect a tenant without the settings the apply needs fails.
				Config:   withProvider("provider \"segura\" {\n  client_id = \"a\"\n}\n"),
				PlanOnly: true,
				ExpectError: expectError(`Provider setting url is missing(.|\n)*SEGURA_URL` +
					`(.|\n)*Provider setting client_secret is missing(.|\n)*SEGURA_CLIENT_SECRET`),
			},
			{
				// No SEGURA_* in the environment against the emulator: each missing setting is named.
				Config: withProvider("provider \"segura\" {\n  client_id = \"a\"\n}\n"),
				ExpectError: expectError(`Provider setting url is missing(.|\n)*SEGURA_URL` +
					`(.|\n)*Provider setting client_secret is missing(.|\n)*SEGURA_CLIENT_SECRET`),
			},
		},
	})
}

// TestAccAzureTenant_planTimeConflict: a planned create of a tenant that is already connected
// fails at plan with the import hint, having sent nothing but a GET; a replacement onto such
// a tenant too, before anything is destroyed. A connection that has every setting of the
// plan (what an interrupted apply of the same configuration leaves) is adopted instead.
func TestAccAzureTenant_planTimeConflict(t *testing.T) {
	e := newEmulatorEnv(t, emulator.Options{}, "it counts the requests of a plan")
	ctx := context.Background()
	byHand := func(c tenantConfig, name string) {
		t.Helper()
		if _, err := e.api.CreateAzureTenant(ctx, client.CreateAzureTenantInput{Name: name, TenantID: c.tenantID,
			ApplicationID: c.appID, SecretValue: "by-hand-" + uuid.NewString(), IntegrationMode: c.mode, Tags: c.tags}); err != nil {
			t.Fatal(err)
		}
	}
	existing, moved := newTenantConfig(), newTenantConfig()
	byHand(existing, "Made by hand")
	byHand(moved, "Made by hand")
	replaced := newTenantConfig()
	replaced.tenantID = moved.tenantID
	// What an interrupted apply leaves: the same request, sent by this provider's credentials.
	interrupted := newTenantConfig()
	in := client.CreateAzureTenantInput{Name: interrupted.name, TenantID: interrupted.tenantID, ApplicationID: interrupted.appID,
		SecretValue: interrupted.secret, IntegrationMode: interrupted.mode, Tags: []string{"finance", "prod"}, Status: "active"}
	if _, err := e.api.CreateAzureTenant(ctx, in); err != nil {
		t.Fatal(err)
	}
	const (
		post = "POST /api/cloud-entitlements/v1/azure/tenants"
		get  = "GET /api/cloud-entitlements/v1/azure/tenants/{tenant_id}"
	)
	var posts, gets int
	counted := func() {
		posts, gets = e.count(post, ""), e.count(get, "")
	}
	first := newTenantConfig()
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(first.tenantID, interrupted.tenantID),
		Steps: []resource.TestStep{
			{
				PreConfig: counted,
				Config:    e.config(existing.hcl()),
				ExpectError: expectError(`Azure tenant already connected(.|\n)*tenant_id(.|\n)*` + existing.tenantID +
					`(.|\n)*import \{(.|\n)*terraform query`),
			},
			{
				PreConfig: func() {
					if n := e.count(post, "") - posts; n != 0 {
						t.Errorf("the failed plan sent %d POST requests; want none", n)
					}
					if n := e.count(get, "200") - gets; n < 1 {
						t.Errorf("the failed plan sent %d GET requests; want the check's", n)
					}
				},
				Config: e.config(first.hcl()),
			},
			{
				// The replacement's create is checked before anything is destroyed.
				Config:      e.config(replaced.hcl()),
				ExpectError: expectError(`Azure tenant already connected(.|\n)*` + moved.tenantID),
			},
			{
				PreConfig: func() {
					if _, err := e.api.GetAzureTenant(ctx, first.tenantID); err != nil {
						t.Errorf("the refused replacement touched the connection it was to replace: %v", err)
					}
				},
				Config: e.config(interrupted.hcl()),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("tenant_id"), knownvalue.StringExact(interrupted.tenantID)),
				},
			},
		},
	})
}
