package provider

import (
	"context"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/segura/terraform-provider-segura/internal/azure"
	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/validators"
)

var _ list.ListResourceWithConfigure = &azureTenantListResource{}

// NewAzureTenantListResource is the segura_azure_tenant list resource: `terraform query`
// finds the connections (Terraform 1.14 and later), and with -generate-config-out writes an
// import block and a resource block for each.
func NewAzureTenantListResource() list.ListResource { return &azureTenantListResource{} }

type azureTenantListResource struct {
	data *providerData
}

// azureTenantFilter is what the list resource and the segura_azure_tenants data source
// select connections by.
type azureTenantFilter struct {
	Status          types.String `tfsdk:"status"`
	IntegrationMode types.String `tfsdk:"integration_mode"`
	Tags            []string     `tfsdk:"tags"` // a set in the data source, a list in the list resource
	// ExcludeTenantIDs are left out, compared without regard to letter case.
	ExcludeTenantIDs []string `tfsdk:"exclude_tenant_ids"`
	// SynchronizationState keeps the connections whose synchronization is in that state.
	SynchronizationState types.String `tfsdk:"synchronization_state"`
}

// excludes reports whether f leaves out t, for what the API's list cannot filter.
func (f azureTenantFilter) excludes(t client.AzureTenant) bool {
	if !f.SynchronizationState.IsNull() && t.Synchronization.State != f.SynchronizationState.ValueString() {
		return true
	}
	return slices.ContainsFunc(f.ExcludeTenantIDs, func(id string) bool { return strings.EqualFold(id, t.TenantID) })
}

// Descriptions of the filters, shared by the list resource and the data source.
const (
	descFilterStatus = "Only connections with this status: `active` or `inactive`."
	descFilterMode   = "Only connections in this mode: `read` or `read_write`."
	descFilterTags   = "Only connections that have every one of these tags."
	descFilterSync   = "Only connections whose last synchronization is in this state: `pending`, `running`, " +
		"`succeeded` or `failed` (for instance, to report the connections whose credentials stopped working)."
	descFilterExclude = "Leaves out the connections of these Azure tenant IDs, in any letter case. Give it the " +
		"tenant IDs that Terraform already manages (for instance an output of the configuration), so that a query " +
		"finds only the connections made elsewhere and never writes a second resource block for a managed one."
)

var (
	statusValidators = []validator.String{validators.OneOf(client.StatusActive, client.StatusInactive)}
	modeValidators   = []validator.String{validators.OneOf(azure.Modes...)}
	syncValidators   = []validator.String{validators.OneOf(client.SyncPending, client.SyncRunning, client.SyncSucceeded, client.SyncFailed)}
)

// input is the API's list request for the filter.
func (f azureTenantFilter) input() client.ListAzureTenantsInput {
	tags := slices.Clone(f.Tags)
	slices.Sort(tags)
	return client.ListAzureTenantsInput{
		Status: f.Status.ValueString(), IntegrationMode: f.IntegrationMode.ValueString(), Tags: slices.Compact(tags),
	}
}

func (l *azureTenantListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_azure_tenant"
}

func (l *azureTenantListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds the Azure tenant connections of Cloud Entitlements, for `terraform query` " +
			"(Terraform 1.14 and later). Each result is named after the connection and identified by its tenant ID; " +
			"`terraform query -generate-config-out=FILE` writes an import block and a `segura_azure_tenant` block for " +
			"each, which plan with no edits: an imported connection needs no secret.",
		Attributes: map[string]schema.Attribute{
			"status":           schema.StringAttribute{MarkdownDescription: descFilterStatus, Optional: true, Validators: statusValidators},
			"integration_mode": schema.StringAttribute{MarkdownDescription: descFilterMode, Optional: true, Validators: modeValidators},
			"tags":             schema.ListAttribute{MarkdownDescription: descFilterTags, ElementType: types.StringType, Optional: true},
			"exclude_tenant_ids": schema.ListAttribute{MarkdownDescription: descFilterExclude, ElementType: types.StringType,
				Optional: true},
			"synchronization_state": schema.StringAttribute{MarkdownDescription: descFilterSync, Optional: true,
				Validators: syncValidators},
		},
	}
}

func (l *azureTenantListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	l.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}

// timeoutsUnset is the timeouts block of a connection found by listing: none.
var timeoutsUnset = timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{
	"create": types.StringType, "update": types.StringType, "delete": types.StringType,
})}

func (l *azureTenantListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var f azureTenantFilter
	var diags diag.Diagnostics
	diags.Append(req.Config.Get(ctx, &f)...)
	c := l.data.apiClient(&diags)
	filter := f.input()
	if diags.HasError() {
		maskDiagnostics(&diags, l.data.secrets()...)
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	stream.Results = func(push func(list.ListResult) bool) {
		ctx, cancel := context.WithTimeout(ctx, defaultReadTimeout)
		defer cancel()
		var n int64
		for t, err := range c.AllAzureTenants(ctx, filter) {
			if err == nil && f.excludes(t) {
				continue
			}
			result := req.NewListResult(ctx)
			if err != nil {
				addAPIError(&result.Diagnostics, action{verb: "list Azure tenants"}, err)
			} else {
				result.DisplayName = t.Name
				result.Diagnostics.Append(setIdentity(ctx, result.Identity, t.TenantID)...)
				if req.IncludeResource {
					m := azureTenantResourceModel{
						SecretValue: types.StringNull(), SecretValueWO: types.StringNull(),
						SecretValueWOVersion: types.Int64Null(), Timeouts: timeoutsUnset,
					}
					result.Diagnostics.Append(m.fromAPI(ctx, &t)...)
					result.Diagnostics.Append(result.Resource.Set(ctx, m)...)
				}
			}
			maskDiagnostics(&result.Diagnostics, l.data.secrets()...)
			if !push(result) || result.Diagnostics.HasError() {
				return
			}
			if n++; req.Limit > 0 && n >= req.Limit {
				return
			}
		}
	}
}
