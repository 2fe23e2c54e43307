package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ datasource.DataSourceWithConfigure = &azureTenantsDataSource{}

// NewAzureTenantsDataSource is the segura_azure_tenants data source.
func NewAzureTenantsDataSource() datasource.DataSource { return &azureTenantsDataSource{} }

type azureTenantsDataSource struct {
	data *providerData
}

type azureTenantsModel struct {
	azureTenantFilter
	Tenants []azureTenantModel `tfsdk:"tenants"`
}

func (d *azureTenantsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_azure_tenants"
}

func (d *azureTenantsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Every Azure tenant connection of Cloud Entitlements that matches the filters, following " +
			"the API's pages to the end. Useful to find connections made by hand and import them all.",
		Attributes: map[string]schema.Attribute{
			"status":           schema.StringAttribute{MarkdownDescription: descFilterStatus, Optional: true, Validators: statusValidators},
			"integration_mode": schema.StringAttribute{MarkdownDescription: descFilterMode, Optional: true, Validators: modeValidators},
			"tags":             schema.SetAttribute{MarkdownDescription: descFilterTags, ElementType: types.StringType, Optional: true},
			"exclude_tenant_ids": schema.SetAttribute{MarkdownDescription: descFilterExclude, ElementType: types.StringType,
				Optional: true},
			"synchronization_state": schema.StringAttribute{MarkdownDescription: descFilterSync, Optional: true,
				Validators: syncValidators},
			"tenants": schema.ListNestedAttribute{
				MarkdownDescription: "The connections, sorted by tenant ID, with the attributes of `segura_azure_tenant` " +
					"(never the secret).",
				Computed:     true,
				NestedObject: schema.NestedAttributeObject{Attributes: azureTenantDataSourceAttributes()},
			},
		},
	}
}

func (d *azureTenantsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}

func (d *azureTenantsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m azureTenantsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	defer maskDiagnostics(&resp.Diagnostics, d.data.secrets()...)
	c := d.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, defaultReadTimeout)
	defer cancel()
	filter := m.input()
	tenants := []azureTenantModel{}
	for t, err := range c.AllAzureTenants(ctx, filter) {
		if err != nil {
			addAPIError(&resp.Diagnostics, action{verb: "list Azure tenants"}, err)
			return
		}
		if m.excludes(t) {
			continue
		}
		var tm azureTenantModel
		resp.Diagnostics.Append(tm.fromAPI(ctx, &t)...)
		tenants = append(tenants, tm)
	}
	m.Tenants = tenants
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
