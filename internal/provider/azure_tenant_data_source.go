package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/uuidtype"
	"github.com/segura/terraform-provider-segura/internal/validators"
)

var _ datasource.DataSourceWithConfigure = &azureTenantDataSource{}

// NewAzureTenantDataSource is the segura_azure_tenant data source.
func NewAzureTenantDataSource() datasource.DataSource { return &azureTenantDataSource{} }

type azureTenantDataSource struct {
	data *providerData
}

func (d *azureTenantDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_azure_tenant"
}

// azureTenantDataSourceAttributes are the attributes of a connection as data sources show
// them: those of the resource, all read-only, and never a secret.
func azureTenantDataSourceAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"id":               schema.StringAttribute{Computed: true, MarkdownDescription: descID},
		"name":             schema.StringAttribute{Computed: true, MarkdownDescription: descName},
		"tenant_id":        schema.StringAttribute{Computed: true, CustomType: uuidtype.Type{}, MarkdownDescription: descTenantID},
		"application_id":   schema.StringAttribute{Computed: true, CustomType: uuidtype.Type{}, MarkdownDescription: descAppID},
		"integration_mode": schema.StringAttribute{Computed: true, MarkdownDescription: descMode},
		"tags":             schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: descTags},
		"status":           schema.StringAttribute{Computed: true, MarkdownDescription: descStatus},
		"connected_at":     schema.StringAttribute{Computed: true, CustomType: timetypes.RFC3339Type{}, MarkdownDescription: descConnectedAt},
		"synchronization":  schema.ObjectAttribute{Computed: true, AttributeTypes: synchronizationAttrTypes, MarkdownDescription: descSync},
	}
}

func (d *azureTenantDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := azureTenantDataSourceAttributes()
	attrs["tenant_id"] = schema.StringAttribute{
		Required:            true,
		CustomType:          uuidtype.Type{},
		MarkdownDescription: "Directory (tenant) ID of the connected Azure tenant, a UUID in any letter case.",
		Validators:          []validator.String{validators.UUID()},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "One Azure tenant connection of Cloud Entitlements, by tenant ID. It fails when the tenant " +
			"is not connected. The client secret is never returned.",
		Attributes: attrs,
	}
}

func (d *azureTenantDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}

func (d *azureTenantDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m azureTenantModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	defer maskDiagnostics(&resp.Diagnostics, d.data.secrets()...)
	c := d.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, defaultReadTimeout)
	defer cancel()
	tenantID := m.TenantID.ValueString()
	got, err := d.data.reads.get(ctx, c, tenantID)
	if client.IsNotFound(err) {
		resp.Diagnostics.AddAttributeError(path.Root("tenant_id"), "Azure tenant not connected",
			fmt.Sprintf("Cloud Entitlements has no connection for Azure tenant %s. Connect it with a segura_azure_tenant "+
				"resource, or list the connected tenants with the segura_azure_tenants data source.", tenantID))
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, action{"read", tenantID}, err)
		return
	}
	resp.Diagnostics.Append(m.fromAPI(ctx, got)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
