package provider

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/segura/terraform-provider-segura/internal/azure"
	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/uuidtype"
	"github.com/segura/terraform-provider-segura/internal/validators"
)

var (
	_ resource.ResourceWithConfigure   = &azureTenantResource{}
	_ resource.ResourceWithImportState = &azureTenantResource{}
)

// NewAzureTenantResource is the segura_azure_tenant resource.
func NewAzureTenantResource() resource.Resource { return &azureTenantResource{} }

type azureTenantResource struct {
	data *providerData
}

type azureTenantResourceModel struct {
	azureTenantModel
	SecretValue types.String `tfsdk:"secret_value"`
}

func (r *azureTenantResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_azure_tenant"
}

func (r *azureTenantResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Connects an Azure tenant to Segura Cloud Entitlements, as *Setup > Microsoft Azure > Connect* " +
			"does. Creating it verifies the app registration's secret, Microsoft Graph permissions and Azure roles; " +
			"destroying it disconnects the tenant. Import it by Azure tenant ID.",
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
					"the configured value in state. Changing it rotates the secret in place.",
				Required:   true,
				Sensitive:  true,
				Validators: []validator.String{validators.Length(client.SecretMaxLength)},
			},
			"integration_mode": schema.StringAttribute{
				MarkdownDescription: descMode + " Changes in place.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.OneOf(azure.Modes...)},
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
				Validators:          []validator.String{stringvalidator.OneOf(client.StatusActive, client.StatusInactive)},
			},
			"connected_at": schema.StringAttribute{
				MarkdownDescription: descConnectedAt,
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"synchronization": schema.SingleNestedAttribute{
				MarkdownDescription: descSync,
				Computed:            true,
				Attributes: map[string]schema.Attribute{
					"state":       schema.StringAttribute{Computed: true, MarkdownDescription: "`pending`, `running`, `succeeded` or `failed`."},
					"last_run_at": schema.StringAttribute{Computed: true, MarkdownDescription: "End of the last run (RFC 3339)."},
					"message":     schema.StringAttribute{Computed: true, MarkdownDescription: "What the last run reported."},
				},
			},
		},
	}
}

// tenantIDChanged replaces the connection only for a different tenant, not a different case.
func tenantIDChanged(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
	var state, plan uuidtype.Value
	if req.State.GetAttribute(context.Background(), path.Root("tenant_id"), &state).HasError() ||
		req.Plan.GetAttribute(context.Background(), path.Root("tenant_id"), &plan).HasError() {
		resp.RequiresReplace = true
		return
	}
	resp.RequiresReplace = !state.EqualFold(plan)
}

func (r *azureTenantResource) Configure(_ context.Context, req resource.ConfigureRequest, _ *resource.ConfigureResponse) {
	if req.ProviderData != nil {
		r.data = req.ProviderData.(*providerData)
	}
}

func (r *azureTenantResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan azureTenantResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	c := r.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	secret := plan.SecretValue.ValueString()
	ctx = maskSecrets(ctx, secret)

	tags, diags := tagList(ctx, plan.Tags)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	created, err := c.CreateAzureTenant(ctx, client.CreateAzureTenantInput{
		Name:            plan.Name.ValueString(),
		TenantID:        plan.TenantID.ValueString(),
		ApplicationID:   plan.ApplicationID.ValueString(),
		SecretValue:     secret,
		IntegrationMode: plan.IntegrationMode.ValueString(),
		Tags:            tags,
		Status:          plan.Status.ValueString(),
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, "connect Azure tenant "+plan.TenantID.ValueString(), err)
		return
	}
	resp.Diagnostics.Append(plan.fromAPI(ctx, created)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (r *azureTenantResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state azureTenantResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	c := r.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	got, err := c.GetAzureTenant(ctx, state.TenantID.ValueString())
	if client.IsNotFound(err) {
		resp.Diagnostics.AddWarning("Azure tenant connection no longer exists",
			fmt.Sprintf("The connection of Azure tenant %s was deleted outside Terraform; it is removed from state "+
				"and the next apply connects it again.", state.TenantID.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "read Azure tenant "+state.TenantID.ValueString(), err)
		return
	}
	resp.Diagnostics.Append(state.fromAPI(ctx, got)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (r *azureTenantResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state azureTenantResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	c := r.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	secret := plan.SecretValue.ValueString()
	ctx = maskSecrets(ctx, secret)

	in, diags := changes(ctx, state, plan, secret)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	tenantID := state.TenantID.ValueString()
	var got *client.AzureTenant
	var err error
	if in == (client.UpdateAzureTenantInput{}) {
		// Only letter case changed: nothing to send, the state takes the new spelling.
		got, err = c.GetAzureTenant(ctx, tenantID)
	} else {
		got, err = c.UpdateAzureTenant(ctx, tenantID, in)
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "update Azure tenant "+tenantID, err)
		return
	}
	resp.Diagnostics.Append(plan.fromAPI(ctx, got)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
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
	if appChanged || !plan.SecretValue.Equal(state.SecretValue) {
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
		slices.Sort(tags)
		in.Tags = &tags
	}
	return in, diags
}

func (r *azureTenantResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state azureTenantResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	c := r.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	err := c.DeleteAzureTenant(ctx, state.TenantID.ValueString())
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, "disconnect Azure tenant "+state.TenantID.ValueString(), err)
	}
}

// ImportState takes the Azure tenant ID in any letter case.
func (r *azureTenantResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !validators.IsUUID(req.ID) {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf("%q is not an Azure tenant ID. Import a segura_azure_tenant by the Directory (tenant) ID of its "+
				"tenant, a UUID such as 5f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44.", req.ID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), req.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("tenant_id"), uuidtype.NewValue(req.ID))...)
}
