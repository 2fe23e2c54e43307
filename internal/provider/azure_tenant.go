package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/segura/terraform-provider-segura/internal/azure"
	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/uuidtype"
	"github.com/segura/terraform-provider-segura/internal/validators"
)

// The Azure tenant kind: segura_azure_tenant, its data sources, list resource and reprocess
// action, described for the core (connection_kind.go). Its attributes are validated in their
// schema below, mapped by azureFromAPI, azureCreate and azureChanges, and sent through
// client.AzureTenants.

// DefaultPropagationTimeout is how long Entra ID propagation errors are retried by default.
const DefaultPropagationTimeout = 3 * time.Minute

var azureTenant = kind{
	typeName: "azure_tenant", what: "Azure tenant", whats: "Azure tenants", noun: "tenant", nouns: "tenants",
	key:           "tenant_id",
	keyValue:      func(key string) attr.Value { return uuidtype.NewValue(key) },
	keyText:       "Directory (tenant) ID of the connected Azure tenant, a UUID in any letter case.",
	keyValidators: []validator.String{validators.UUID()},
	badImportID: func(id string) string {
		if validators.IsUUID(id) {
			return ""
		}
		return fmt.Sprintf("%q is not an Azure tenant ID. Import a segura_azure_tenant by the Directory (tenant) ID of its "+
			"tenant, a UUID such as 5f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44.", id)
	},
	secret: "secret_value", secretWO: "secret_value_wo", secretVersion: "secret_value_wo_version",
	calls: callsOf[client.AzureTenant, *client.AzureTenant]{client.AzureTenants},
	texts: kindTexts{
		resource: "Connects an Azure tenant to Segura Cloud Entitlements, as *Setup > Microsoft Azure > Connect* " +
			"does. Creating it verifies the app registration's secret, Microsoft Graph permissions and Azure roles; " +
			"destroying it disconnects the tenant. Import it by Azure tenant ID.",
		dataSource: "One Azure tenant connection of Cloud Entitlements, by tenant ID. It fails when the tenant " +
			"is not connected. The client secret is never returned.",
		plural: "Every Azure tenant connection of Cloud Entitlements that matches the filters, following " +
			"the API's pages to the end. Useful to find connections made by hand and import them all.",
		items: "The connections, sorted by tenant ID, with the attributes of `segura_azure_tenant` " +
			"(never the secret).",
		list: "Finds the Azure tenant connections of Cloud Entitlements, for `terraform query` " +
			"(Terraform 1.14 and later). Each result is named after the connection and identified by its tenant ID; " +
			"`terraform query -generate-config-out=FILE` writes an import block and a `segura_azure_tenant` block for " +
			"each, which plan with no edits: an imported connection needs no secret.",
		identity: "Directory (tenant) ID of the Azure tenant, a UUID in any letter case; kept in lowercase.",
		id:       "The Azure tenant ID in lowercase; also the import ID.",
		exclude: "Leaves out the connections of these Azure tenant IDs, in any letter case. Give it the " +
			"tenant IDs that Terraform already manages (for instance an output of the configuration), so that a query " +
			"finds only the connections made elsewhere and never writes a second resource block for a managed one.",
		restarts: "a new secret, application, integration mode or status",
		missingSecret: [2]string{"Missing client secret",
			"Connecting a tenant needs the client secret value of the app registration, in exactly one of:\n\n" +
				"  - secret_value_wo, with secret_value_wo_version: write-only, never stored in state or plan " +
				"(Terraform or OpenTofu 1.11 and later);\n" +
				"  - secret_value: any version, kept in state as a sensitive value.\n\n" +
				"A connection that already exists, imported into state, can be managed without it."},
	},
	attributes:     azureAttributes,
	dataAttributes: azureDataAttributes,
	filters: []listFilter{{name: "integration_mode", description: "Only connections in this mode: `read` or `read_write`.",
		validators: []validator.String{validators.OneOf(azure.Modes...)}}},
	fromAPI:              azureFromAPI,
	settings:             []string{"application_id", "integration_mode"},
	restarts:             []string{"application_id", "integration_mode"},
	createBody:           azureCreate,
	changes:              azureChanges,
	checkPlan:            azureCheckPlan,
	preflight:            azurePreflight,
	skipped:              azurePreflightSkipped,
	codeAlreadyConnected: client.CodeTenantAlreadyConnected,
	propagation: propagationRule{
		reason: azurePropagationReason, window: DefaultPropagationTimeout, words: "Entra ID propagation",
		service: "Microsoft Entra ID", cloud: "Azure",
		why: "A secret, application, consent or role made in the last minutes takes a while to reach every Entra ID " +
			"server",
		settings: "propagation_timeout (formerly azure_propagation_timeout)",
	},
	syncFixes:        func(w wire) syncFixes { return azureSyncFixes(w.(*client.AzureTenant).IntegrationMode) },
	explainVerdict:   azureExplainVerdict,
	explainPreflight: azureExplainPreflight,
}

// Descriptions of the Azure tenant's own attributes.
const (
	descTenantID = "Directory (tenant) ID of the Azure tenant, a UUID in any letter case. Only one connection per tenant is allowed."
	descAppID    = "Application (client) ID of the app registration Cloud Entitlements signs in with, a UUID in any letter case."
	descMode     = "`read` (\"Read\") or `read_write` (\"Read and Write\"). Each needs its own Microsoft Graph application " +
		"permissions; see the `segura_azure_required_permissions` data source."
)

func azureAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"tenant_id": schema.StringAttribute{
			MarkdownDescription: descTenantID + " Changing it (other than its letter case) replaces the connection.",
			CustomType:          uuidtype.Type{},
			Required:            true,
			Validators:          []validator.String{validators.UUID()},
			PlanModifiers: []planmodifier.String{
				stringplanmodifier.RequiresReplaceIf(tenantIDChanged,
					"Changing tenant_id, other than its letter case, replaces the connection.",
					"Changing `tenant_id`, other than its letter case, replaces the connection."),
			},
		},
		"application_id": schema.StringAttribute{
			MarkdownDescription: descAppID + " Changes in place; the secret is sent with it and verified again.",
			CustomType:          uuidtype.Type{},
			Required:            true,
			Validators:          []validator.String{validators.UUID()},
		},
		"secret_value": schema.StringAttribute{
			MarkdownDescription: "Client secret value of the app registration (the *Value*, not the *Secret ID*), " +
				"1 to 1024 characters. Sent on create and whenever it changes; never read back, so Terraform keeps " +
				"the configured value in state, marked sensitive. Changing it rotates the secret in place. " +
				"Creating a connection needs exactly one of `secret_value` and `secret_value_wo`; prefer " +
				"`secret_value_wo` with Terraform or OpenTofu 1.11 and later. An existing connection, imported, can " +
				"be managed with neither: name, tags, status and mode change in place with the secret Segura holds, " +
				"and giving one later rotates it.",
			Optional:   true,
			Sensitive:  true,
			Validators: []validator.String{stringvalidator.LengthBetween(1, client.SecretMaxLength)},
		},
		"secret_value_wo": schema.StringAttribute{
			MarkdownDescription: "Client secret value of the app registration, write-only: it is sent to Segura but " +
				"never stored in state or plan. Needs Terraform or OpenTofu 1.11 and later, and " +
				"`secret_value_wo_version`. Exactly one of `secret_value` and `secret_value_wo` is required.",
			Optional:  true,
			Sensitive: true,
			WriteOnly: true,
			Validators: []validator.String{
				stringvalidator.LengthBetween(1, client.SecretMaxLength),
				stringvalidator.ConflictsWith(path.MatchRoot("secret_value")),
				// A write-only value is never stored: its version is how Terraform knows to send a new one.
				stringvalidator.AlsoRequires(path.MatchRoot("secret_value_wo_version")),
			},
		},
		"secret_value_wo_version": schema.Int64Attribute{
			MarkdownDescription: "Version of `secret_value_wo`, required with it. Terraform cannot see a write-only " +
				"value change, so change this number (for instance, increment it) whenever `secret_value_wo` changes: " +
				"the new secret is then sent in place.",
			Optional:   true,
			Validators: []validator.Int64{int64validator.ConflictsWith(path.MatchRoot("secret_value"))},
		},
		"integration_mode": schema.StringAttribute{
			MarkdownDescription: descMode + " Changes in place.",
			Required:            true,
			Validators:          []validator.String{validators.OneOf(azure.Modes...)},
		},
	}
}

func azureDataAttributes() map[string]dsschema.Attribute {
	return map[string]dsschema.Attribute{
		"tenant_id":        dsschema.StringAttribute{Computed: true, CustomType: uuidtype.Type{}, MarkdownDescription: descTenantID},
		"application_id":   dsschema.StringAttribute{Computed: true, CustomType: uuidtype.Type{}, MarkdownDescription: descAppID},
		"integration_mode": dsschema.StringAttribute{Computed: true, MarkdownDescription: descMode},
	}
}

// tenantIDChanged replaces the connection only for a different tenant, not a different case.
func tenantIDChanged(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
	resp.RequiresReplace = !strings.EqualFold(req.StateValue.ValueString(), req.PlanValue.ValueString())
}

func azureFromAPI(w wire) values {
	t := w.(*client.AzureTenant)
	return values{
		"tenant_id":        uuidtype.NewValue(t.TenantID),
		"application_id":   uuidtype.NewValue(t.ApplicationID),
		"integration_mode": types.StringValue(t.IntegrationMode),
	}
}

func azureCreate(plan values, shared sharedFields, secret string) any {
	return client.CreateAzureTenantInput{
		Name:            shared.name,
		TenantID:        plan.text("tenant_id"),
		ApplicationID:   plan.text("application_id"),
		SecretValue:     secret,
		IntegrationMode: plan.text("integration_mode"),
		Tags:            shared.tags,
		Status:          shared.status,
	}
}

// azureChanges sends the secret whenever it or the application changes; new credentials or a
// new mode are verified.
func azureChanges(state, plan values, shared sharedChanges, sendSecret bool, secret string) (any, bool, bool) {
	in := client.UpdateAzureTenantInput{Name: shared.name, Status: shared.status, Tags: shared.tags}
	appChanged := !same(plan["application_id"], state["application_id"])
	if appChanged {
		app := plan.text("application_id")
		in.ApplicationID = &app
	}
	if appChanged || sendSecret {
		in.SecretValue = &secret
	}
	if !same(plan["integration_mode"], state["integration_mode"]) {
		mode := plan.text("integration_mode")
		in.IntegrationMode = &mode
	}
	return in, in.SecretValue != nil || in.IntegrationMode != nil, in == (client.UpdateAzureTenantInput{})
}

// azureCheckPlan refuses a new application_id without a new secret: a client secret belongs
// to one application, so Segura would refuse the old secret with the new application.
func azureCheckPlan(state, plan values, secretChanged bool, diags *diag.Diagnostics) {
	if plan.unknown("application_id") || same(plan["application_id"], state["application_id"]) || secretChanged {
		return
	}
	how := "set secret_value to the new application's client secret"
	if plan.null("secret_value") {
		how = "put the new application's client secret in secret_value_wo and change secret_value_wo_version"
	}
	diags.AddAttributeError(path.Root("application_id"), "New application without its secret",
		fmt.Sprintf("application_id changes from %s to %s, but the secret stays the same, and a client secret "+
			"belongs to one application: Segura would refuse it. In the same change, %s.",
			state.text("application_id"), plan.text("application_id"), how))
}

// azurePreflight signs in to Entra ID as the application, as Segura will (internal/azure).
func azurePreflight(ctx context.Context, d *providerData, v values, secret string) (verdict, unreachable error) {
	if d.preflight == nil {
		return nil, nil
	}
	err := d.preflight.Check(ctx, v.text("tenant_id"), v.text("application_id"), secret, v.text("integration_mode"))
	var f *azure.Failure
	if errors.As(err, &f) {
		return f, nil
	}
	return nil, err
}

func azurePreflightSkipped(err error) (summary, detail string) {
	return "Azure pre-flight check skipped",
		fmt.Sprintf("Microsoft Entra ID could not be reached to check the credentials before connecting. "+
			"Segura verifies them anyway.\n\nThe error: %s\n\nSet azure_environment or azure_authority_host if "+
			"the tenant is not in the public Azure cloud, or azure_preflight = false to skip this check.", briefError(err))
}

// azurePropagationReason says why err may be Entra ID propagation, or "" when it is another
// error: a pre-flight Failure, or an azure_connection_failed whose every reason can propagate.
func azurePropagationReason(err error) string {
	var f *azure.Failure
	if errors.As(err, &f) {
		if f.CanPropagate() {
			return f.Reason
		}
		return ""
	}
	details := client.AzureFailures(err)
	if len(details) == 0 {
		return ""
	}
	var reasons []string
	for _, d := range details {
		if !azure.Propagating(d.Reason) {
			return ""
		}
		reasons = append(reasons, d.Reason)
	}
	return strings.Join(reasons, ", ")
}

// azureExplainVerdict explains the Azure tenant's own refusals: a secret in use, and Azure's
// verdict, one diagnostic per reason.
func azureExplainVerdict(diags *diag.Diagnostics, _ action, apiErr *client.APIError, ref string) bool {
	switch apiErr.Code {
	case client.CodeSecretInUse:
		addAttributeError(diags, client.FieldSecretValue, "Client secret already in use",
			"This client secret already belongs to another connected Azure tenant. Each tenant needs a secret of its "+
				"own app registration: create a new client secret under Certificates & secrets of this tenant's "+
				"application and use its value."+ref)
	case client.CodeAzureConnectionFailed:
		for _, d := range apiErr.Details {
			field, summary, detail := explainAzureFailure(d)
			addAttributeError(diags, field, summary, detail+ref)
		}
		if len(apiErr.Details) == 0 {
			diags.AddError("Azure rejected the connection", apiErr.Message+ref)
		}
	default:
		return false
	}
	return true
}

// azureExplainPreflight explains a Failure of the Azure pre-flight.
func azureExplainPreflight(err error) (field, summary, detail string, ok bool) {
	var f *azure.Failure
	if !errors.As(err, &f) {
		return "", "", "", false
	}
	field, summary, detail = explainAzureFailure(client.ErrorDetail{Reason: f.Reason, Missing: f.Missing})
	if f.NotGranted {
		detail += "\n\nMicrosoft Graph lists no app role assignment of the application for them: they were never " +
			"granted, so the provider did not wait for Entra ID to propagate them."
	}
	detail += "\n\nFound by the Azure pre-flight check before anything was sent to Segura (azure_preflight)."
	return field, summary, detail, true
}

// explainAzureFailure puts one reason of azure_connection_failed into plain words, with what
// to grant or fix.
func explainAzureFailure(d client.ErrorDetail) (field, summary, detail string) {
	switch d.Reason {
	case client.ReasonInvalidClientSecret:
		return client.FieldSecretValue, "Azure refused the client secret",
			"Microsoft Entra ID refused the client secret (AADSTS7000215): it is wrong, expired, or so new that it has " +
				"not propagated yet. Use the secret's Value, not its Secret ID, from Certificates & secrets of the app registration."
	case client.ReasonApplicationNotFound:
		return client.FieldApplicationID, "Application not found in the tenant",
			"Microsoft Entra ID has no application with this application_id in the tenant (AADSTS700016). Use the " +
				"Application (client) ID of an app registration in that tenant; a new registration can take a few minutes to propagate."
	case client.ReasonTenantNotFound:
		return client.FieldTenantID, "Azure tenant not found",
			"Microsoft Entra ID has no tenant with this tenant_id (AADSTS90002). Use the Directory (tenant) ID shown on " +
				"the Overview page of Microsoft Entra ID."
	case client.ReasonMissingPermissions:
		return client.FieldApplicationID, "Microsoft Graph permissions missing",
			"The application lacks admin consent for these application permissions of Microsoft Graph (the API " +
				"whose application ID is " + azure.GraphAppID + ", not your app registration):\n" +
				permissionBullets(d.Missing) +
				"\n\nAdd them under API permissions of the app registration and grant admin consent " +
				"(with azuread: required_resource_access and azuread_app_role_assignment)."
	case client.ReasonMissingRole:
		return client.FieldApplicationID, "Azure roles missing",
			"The application's service principal lacks these Azure roles:\n" +
				roleBullets(d.Missing) +
				"\n\nAssign them on the subscriptions or management groups to analyse " +
				"(with azurerm: azurerm_role_assignment)."
	}
	return d.Field, "Azure rejected the connection", d.String()
}

// permissionBullets lists Microsoft Graph permissions by name, each with its app role ID.
func permissionBullets(names []string) string {
	return bullets(names, "app role", func(name string) (string, bool) {
		p, ok := azure.PermissionByName(name)
		return p.ID, ok
	})
}

// roleBullets lists Azure roles by name, each with its role definition ID.
func roleBullets(names []string) string {
	return bullets(names, "role definition", func(name string) (string, bool) {
		r, ok := azure.RoleByName(name)
		return r.ID, ok
	})
}

// bullets lists names one a line, each with its GUID when idOf knows it.
func bullets(names []string, idKind string, idOf func(string) (string, bool)) string {
	var b strings.Builder
	for _, name := range names {
		if id, ok := idOf(name); ok {
			fmt.Fprintf(&b, "\n  - %s (%s %s)", name, idKind, id)
		} else {
			fmt.Fprintf(&b, "\n  - %s", name)
		}
	}
	return b.String()
}

// azureSyncFixes is the advice for an Azure tenant connected in mode: the permissions and
// roles that mode needs, with their IDs, since the synchronization does not say which lack.
func azureSyncFixes(mode string) syncFixes {
	var permissions, roles []string
	for _, p := range azure.RequiredPermissions(mode) {
		permissions = append(permissions, p.Name)
	}
	for _, r := range azure.RequiredRoles(mode) {
		roles = append(roles, r.Name)
	}
	return syncFixes{
		credentials: "Rotate the client secret: create a new one in Certificates & secrets of the app registration, " +
			"then set secret_value, or secret_value_wo with a higher secret_value_wo_version, and apply (see the " +
			"guide \"Rotating the client secret\").",
		permissions: fmt.Sprintf("integration_mode %q needs these Microsoft Graph application permissions, each with "+
			"admin consent; grant those that lack:%s", mode, permissionBullets(permissions)),
		roles: "Both modes need these Azure roles, assigned to the application's service principal on the " +
			"subscriptions or management groups to analyse; assign those that lack:" + roleBullets(roles),
	}
}
