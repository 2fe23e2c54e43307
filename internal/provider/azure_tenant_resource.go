package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/segura/terraform-provider-segura/internal/azure"
	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/uuidtype"
	"github.com/segura/terraform-provider-segura/internal/validators"
)

var (
	_ resource.ResourceWithConfigure   = &azureTenantResource{}
	_ resource.ResourceWithImportState = &azureTenantResource{}
	_ resource.ResourceWithModifyPlan  = &azureTenantResource{}
	_ resource.ResourceWithIdentity    = &azureTenantResource{}
)

// Default timeouts of the operations. Reads, imports and data sources have no timeouts
// block; defaultReadTimeout bounds them, retries included.
const (
	defaultCreateTimeout = 15 * time.Minute
	defaultUpdateTimeout = 15 * time.Minute
	defaultDeleteTimeout = 5 * time.Minute
	defaultReadTimeout   = 5 * time.Minute
)

// durationText writes d as a configuration would: 15m, not 15m0s.
func durationText(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// NewAzureTenantResource is the segura_azure_tenant resource.
func NewAzureTenantResource() resource.Resource { return &azureTenantResource{} }

type azureTenantResource struct {
	data *providerData
}

type azureTenantResourceModel struct {
	azureTenantModel
	SecretValue          types.String   `tfsdk:"secret_value"`
	SecretValueWO        types.String   `tfsdk:"secret_value_wo"`
	SecretValueWOVersion types.Int64    `tfsdk:"secret_value_wo_version"`
	Timeouts             timeouts.Value `tfsdk:"timeouts"`
}

func (r *azureTenantResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_azure_tenant"
}

func (r *azureTenantResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Connects an Azure tenant to Segura Cloud Entitlements, as *Setup > Microsoft Azure > Connect* " +
			"does. Creating it verifies the app registration's secret, Microsoft Graph permissions and Azure roles; " +
			"destroying it disconnects the tenant. Import it by Azure tenant ID.",
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{
				Create: true, Update: true, Delete: true,
				CreateDescription: fmt.Sprintf("How long a create may take, retries and Entra ID propagation included, as a "+
					"duration such as `20m`. Defaults to `%s`.", durationText(defaultCreateTimeout)),
				UpdateDescription: fmt.Sprintf("How long an update may take, retries and Entra ID propagation included. "+
					"Defaults to `%s`.", durationText(defaultUpdateTimeout)),
				DeleteDescription: fmt.Sprintf("How long a disconnection may take, retries included. Defaults to `%s`. "+
					"Reads have no setting: each is bounded by %s.", durationText(defaultDeleteTimeout), durationText(defaultReadTimeout)),
			}),
		},
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: descID,
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: descName + " Changes in place.",
				Required:            true,
				Validators:          []validator.String{validators.Text(client.NameMaxLength)},
			},
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
			"tags": schema.SetAttribute{
				MarkdownDescription: descTags + " Unset and empty both mean no tags. Changes in place.",
				ElementType:         types.StringType,
				Optional:            true,
				Computed:            true,
				Default:             setdefault.StaticValue(types.SetValueMust(types.StringType, nil)),
				Validators: []validator.Set{
					setvalidator.SizeAtMost(client.TagsMax),
					setvalidator.ValueStringsAre(validators.Tag(client.TagMaxLength)),
				},
			},
			"status": schema.StringAttribute{
				MarkdownDescription: descStatus + " Defaults to `active`. Changes in place.",
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString(client.StatusActive),
				Validators:          []validator.String{validators.OneOf(client.StatusActive, client.StatusInactive)},
			},
			"connected_at": schema.StringAttribute{
				MarkdownDescription: descConnectedAt,
				CustomType:          timetypes.RFC3339Type{},
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			// An object attribute, not a nested one: Terraform 1.5 to 1.7 crash generating the
			// configuration of a resource with a computed-only nested attribute (`plan
			// -generate-config-out`). The stored value has the same shape either way.
			"synchronization": schema.ObjectAttribute{
				MarkdownDescription: descSync + " An update keeps it as it was unless it restarts synchronization: a new " +
					"secret, application, integration mode or status; the next refresh reads it anew.",
				Computed:       true,
				AttributeTypes: synchronizationAttrTypes,
				PlanModifiers:  []planmodifier.Object{keepSynchronization{}},
			},
		},
	}
}

// IdentitySchema: a connection is identified by its Azure tenant ID, in lowercase. Import
// blocks may name it (identity = { tenant_id = "..." }, Terraform 1.12 and later), in any
// letter case.
func (r *azureTenantResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"tenant_id": identityschema.StringAttribute{
				RequiredForImport: true,
				Description:       "Directory (tenant) ID of the Azure tenant, a UUID in any letter case; kept in lowercase.",
			},
		},
	}
}

// setIdentity records the identity of the connection of tenantID, when the CLI keeps
// identities (Terraform 1.12 and later).
func setIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, tenantID string) diag.Diagnostics {
	if identity == nil {
		return nil
	}
	return identity.SetAttribute(ctx, path.Root("tenant_id"), strings.ToLower(tenantID))
}

// tenantIDChanged replaces the connection only for a different tenant, not a different case.
func tenantIDChanged(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
	resp.RequiresReplace = !strings.EqualFold(req.StateValue.ValueString(), req.PlanValue.ValueString())
}

func (r *azureTenantResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}

func (r *azureTenantResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan azureTenantResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	secret := configuredSecret(ctx, req.Config, plan, &resp.Diagnostics)
	defer maskDiagnostics(&resp.Diagnostics, append(r.data.secrets(), secret)...)
	c := r.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Create(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(diags...)
	tags, diags := tagList(ctx, plan.Tags)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	in := client.CreateAzureTenantInput{
		Name:            plan.Name.ValueString(),
		TenantID:        plan.TenantID.ValueString(),
		ApplicationID:   plan.ApplicationID.ValueString(),
		SecretValue:     secret,
		IntegrationMode: plan.IntegrationMode.ValueString(),
		Tags:            tags,
		Status:          plan.Status.ValueString(),
	}
	r.data.reads.writing(in.TenantID)
	var created *client.AzureTenant
	err := r.verified(ctx, &resp.Diagnostics, in.TenantID, in.ApplicationID, secret, in.IntegrationMode,
		func(ctx context.Context) (err error) {
			created, err = c.CreateAzureTenant(ctx, in)
			return err
		})
	if err != nil {
		addOperationError(&resp.Diagnostics, action{"connect", in.TenantID}, err)
		return
	}
	resp.Diagnostics.Append(plan.fromAPI(ctx, created)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, created.TenantID)...)
}

// configuredSecret is the secret to send: secret_value, or secret_value_wo from the
// configuration, since write-only values are never in the plan.
func configuredSecret(ctx context.Context, config tfsdk.Config, plan azureTenantResourceModel, diags *diag.Diagnostics) string {
	if !plan.SecretValue.IsNull() {
		return plan.SecretValue.ValueString()
	}
	var wo types.String
	diags.Append(config.GetAttribute(ctx, path.Root("secret_value_wo"), &wo)...)
	return wo.ValueString()
}

// verified runs call, which sends credentials to Segura, after the Azure pre-flight check of
// those credentials, both retried while Entra ID propagates them. When Entra ID cannot be
// reached, it warns once and lets Segura's own verification decide.
func (r *azureTenantResource) verified(ctx context.Context, diags *diag.Diagnostics, tenantID, appID, secret, mode string,
	call func(context.Context) error) error {
	p := r.data.preflight
	warned := false
	return untilPropagated(ctx, r.data.clock, r.data.propagation, func(ctx context.Context) error {
		// Without a secret in the configuration (an imported connection whose mode changes),
		// Segura verifies the secret it holds: there is nothing to sign in with here.
		if p != nil && secret != "" {
			err := p.Check(ctx, tenantID, appID, secret, mode)
			var f *azure.Failure
			switch {
			case errors.As(err, &f):
				return f
			case err != nil && !warned:
				warned = true
				diags.AddWarning("Azure pre-flight check skipped",
					fmt.Sprintf("Microsoft Entra ID could not be reached to check the credentials before connecting. "+
						"Segura verifies them anyway.\n\nThe error: %s\n\nSet azure_environment or azure_authority_host if "+
						"the tenant is not in the public Azure cloud, or azure_preflight = false to skip this check.", briefError(err)))
			}
		}
		return call(ctx)
	})
}

// briefError is the first line of err's text, at most 300 characters: the Azure SDK's errors
// run to many lines of request and response dumps.
func briefError(err error) string {
	text, _, _ := strings.Cut(strings.TrimSpace(err.Error()), "\n")
	if len(text) > 300 {
		text = text[:300] + "..."
	}
	return strings.TrimSpace(text)
}

func (r *azureTenantResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state azureTenantResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	defer maskDiagnostics(&resp.Diagnostics, append(r.data.secrets(), state.SecretValue.ValueString())...)
	c := r.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, defaultReadTimeout)
	defer cancel()
	got, err := r.data.reads.get(ctx, c, state.TenantID.ValueString())
	if client.IsNotFound(err) {
		resp.Diagnostics.AddWarning("Azure tenant connection no longer exists",
			fmt.Sprintf("The connection of Azure tenant %s was deleted outside Terraform; it is removed from state "+
				"and the next apply connects it again.", state.TenantID.ValueString()))
		// The framework wants an identity after every read that succeeds, this one included, and
		// CLIs older than 1.12 keep none to carry over.
		resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, state.TenantID.ValueString())...)
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, action{"read", state.TenantID.ValueString()}, err)
		return
	}
	if got.Synchronization.State == client.SyncFailed {
		summary, detail := syncFailure("Azure tenant", got.TenantID, got.Synchronization, azureSyncFixes(got.IntegrationMode))
		resp.Diagnostics.AddWarning(summary, detail)
	}
	resp.Diagnostics.Append(state.fromAPI(ctx, got)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, got.TenantID)...)
}

func (r *azureTenantResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state azureTenantResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	secret := configuredSecret(ctx, req.Config, plan, &resp.Diagnostics)
	defer maskDiagnostics(&resp.Diagnostics, append(r.data.secrets(), secret, state.SecretValue.ValueString())...)
	c := r.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := plan.Timeouts.Update(ctx, defaultUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	in, diags := changes(ctx, state, plan, secret)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	tenantID := state.TenantID.ValueString()
	r.data.reads.writing(tenantID)
	var got *client.AzureTenant
	var err error
	switch {
	case in == (client.UpdateAzureTenantInput{}):
		// Only letter case changed: nothing to send, the state takes the new spelling.
		got, err = c.GetAzureTenant(ctx, tenantID)
	case in.SecretValue != nil || in.IntegrationMode != nil:
		// New credentials or a new mode are verified, and may meet Entra ID propagation.
		err = r.verified(ctx, &resp.Diagnostics, tenantID, plan.ApplicationID.ValueString(), secret, plan.IntegrationMode.ValueString(),
			func(ctx context.Context) (err error) {
				got, err = c.UpdateAzureTenant(ctx, tenantID, in)
				return err
			})
	default:
		got, err = c.UpdateAzureTenant(ctx, tenantID, in)
	}
	if err != nil {
		addOperationError(&resp.Diagnostics, action{"update", tenantID}, err)
		return
	}
	planned := plan.Synchronization
	resp.Diagnostics.Append(plan.fromAPI(ctx, got)...)
	if !planned.IsUnknown() {
		plan.Synchronization = planned // as planned: this update did not restart it (keepSynchronization)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, got.TenantID)...)
}

// secretChanged reports whether the plan brings a new secret: secret_value differs, or
// secret_value_wo_version does (including a switch from one attribute to the other).
func secretChanged(state, plan azureTenantResourceModel) bool {
	return !plan.SecretValue.Equal(state.SecretValue) || !plan.SecretValueWOVersion.Equal(state.SecretValueWOVersion)
}

// changes is the PATCH that takes the connection from state to plan: only what differs, and
// the secret whenever it or the application changes.
func changes(ctx context.Context, state, plan azureTenantResourceModel, secret string) (client.UpdateAzureTenantInput, diag.Diagnostics) {
	var in client.UpdateAzureTenantInput
	if !plan.Name.Equal(state.Name) {
		in.Name = plan.Name.ValueStringPointer()
	}
	appChanged := !plan.ApplicationID.EqualFold(state.ApplicationID)
	if appChanged {
		in.ApplicationID = plan.ApplicationID.ValueStringPointer()
	}
	if appChanged || secretChanged(state, plan) {
		in.SecretValue = &secret
	}
	if !plan.IntegrationMode.Equal(state.IntegrationMode) {
		in.IntegrationMode = plan.IntegrationMode.ValueStringPointer()
	}
	if !plan.Status.Equal(state.Status) {
		in.Status = plan.Status.ValueStringPointer()
	}
	var diags diag.Diagnostics
	if !plan.Tags.Equal(state.Tags) {
		tags, d := tagList(ctx, plan.Tags)
		diags.Append(d...)
		in.Tags = &tags
	}
	return in, diags
}

func (r *azureTenantResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state azureTenantResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	defer maskDiagnostics(&resp.Diagnostics, append(r.data.secrets(), state.SecretValue.ValueString())...)
	c := r.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, diags := state.Timeouts.Delete(ctx, defaultDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	r.data.reads.writing(state.TenantID.ValueString())
	err := c.DeleteAzureTenant(ctx, state.TenantID.ValueString())
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, action{"disconnect", state.TenantID.ValueString()}, err)
	}
}

// ImportState takes the Azure tenant ID, as the import ID or the identity's tenant_id, in any
// letter case.
func (r *azureTenantResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	tenantID, what := req.ID, "import ID"
	if tenantID == "" && req.Identity != nil {
		var fromIdentity types.String
		resp.Diagnostics.Append(req.Identity.GetAttribute(ctx, path.Root("tenant_id"), &fromIdentity)...)
		tenantID, what = fromIdentity.ValueString(), "identity tenant_id"
	}
	if !validators.IsUUID(tenantID) {
		resp.Diagnostics.AddError("Invalid "+what,
			fmt.Sprintf("%q is not an Azure tenant ID. Import a segura_azure_tenant by the Directory (tenant) ID of its "+
				"tenant, a UUID such as 5f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44.", tenantID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), tenantID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("tenant_id"), uuidtype.NewValue(tenantID))...)
	resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, tenantID)...)
}

// ModifyPlan refuses a create without a secret (an existing connection, imported, can be
// managed without one: Segura keeps the secret it verified), the create of a tenant that is
// already connected (checkNotConnected), and a new application_id without
// a new secret: a client secret belongs to one application, so Segura would refuse the old
// secret with the new application.
func (r *azureTenantResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if changes := req.State.Raw.IsNull() || req.Plan.Raw.IsNull() || !req.Plan.Raw.Equal(req.State.Raw); changes && r.data != nil {
		// The apply of this change will call the API: a missing setting fails the plan, so that a
		// pipeline without credentials does not pass its plan and fail its apply.
		r.data.reportMissingSettings(&resp.Diagnostics)
	}
	if req.Plan.Raw.IsNull() || resp.Diagnostics.HasError() {
		return
	}
	// The conflict check calls the API, as the other operations do, and is masked as they are.
	defer maskDiagnostics(&resp.Diagnostics, r.data.secrets()...)
	if req.State.Raw.IsNull() {
		var secret, wo types.String
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("secret_value"), &secret)...)
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("secret_value_wo"), &wo)...)
		if secret.IsNull() && wo.IsNull() && !resp.Diagnostics.HasError() {
			resp.Diagnostics.AddAttributeError(path.Root("secret_value"), "Missing client secret",
				"Connecting a tenant needs the client secret value of the app registration, in exactly one of:\n\n"+
					"  - secret_value_wo, with secret_value_wo_version: write-only, never stored in state or plan "+
					"(Terraform or OpenTofu 1.11 and later);\n"+
					"  - secret_value: any version, kept in state as a sensitive value.\n\n"+
					"A connection that already exists, imported into state, can be managed without it.")
		}
	}
	var plan, state azureTenantResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if !req.State.Raw.IsNull() {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.Status.ValueString() == client.StatusInactive && state.Status.ValueString() != client.StatusInactive {
		resp.Diagnostics.AddAttributeWarning(path.Root("status"), "An inactive connection leaves the report",
			fmt.Sprintf("Azure tenant %s will be inactive: Segura stops synchronizing it, and its identities and "+
				"recommendations leave Cloud Entitlements' report until it is active again.", plan.TenantID.ValueString()))
	}
	if req.State.Raw.IsNull() || !plan.TenantID.EqualFold(state.TenantID) {
		r.checkNotConnected(ctx, plan, &resp.Diagnostics) // a create, or the create of a replacement
		return
	}
	if plan.ApplicationID.IsUnknown() || plan.SecretValue.IsUnknown() ||
		plan.SecretValueWOVersion.IsUnknown() || plan.ApplicationID.EqualFold(state.ApplicationID) || secretChanged(state, plan) {
		return
	}
	how := "set secret_value to the new application's client secret"
	if plan.SecretValue.IsNull() {
		how = "put the new application's client secret in secret_value_wo and change secret_value_wo_version"
	}
	resp.Diagnostics.AddAttributeError(path.Root("application_id"), "New application without its secret",
		fmt.Sprintf("application_id changes from %s to %s, but the secret stays the same, and a client secret "+
			"belongs to one application: Segura would refuse it. In the same change, %s.",
			state.ApplicationID.ValueString(), plan.ApplicationID.ValueString(), how))
}
