package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/segura/terraform-provider-segura/internal/azure"
	"github.com/segura/terraform-provider-segura/internal/validators"
)

var _ datasource.DataSource = &azureRequiredPermissionsDataSource{}

// NewAzureRequiredPermissionsDataSource is the segura_azure_required_permissions data source.
// It is static: it needs no credentials and makes no call.
func NewAzureRequiredPermissionsDataSource() datasource.DataSource {
	return &azureRequiredPermissionsDataSource{}
}

type azureRequiredPermissionsDataSource struct{}

type requiredPermissionsModel struct {
	IntegrationMode    types.String `tfsdk:"integration_mode"`
	GraphAppID         types.String `tfsdk:"graph_app_id"`
	GraphPermissions   types.List   `tfsdk:"graph_permissions"`
	GraphPermissionIDs types.Map    `tfsdk:"graph_permission_ids"`
	AzureRoles         types.List   `tfsdk:"azure_roles"`
}

type namedIDModel struct {
	Name types.String `tfsdk:"name"`
	ID   types.String `tfsdk:"id"`
}

var namedIDAttrTypes = map[string]attr.Type{"name": types.StringType, "id": types.StringType}

func (d *azureRequiredPermissionsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_azure_required_permissions"
}

func (d *azureRequiredPermissionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	namedIDs := func(desc, idDesc string) schema.ListNestedAttribute {
		return schema.ListNestedAttribute{
			MarkdownDescription: desc,
			Computed:            true,
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"name": schema.StringAttribute{Computed: true, MarkdownDescription: "Name, as the Azure portal shows it."},
				"id":   schema.StringAttribute{Computed: true, MarkdownDescription: idDesc},
			}},
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "What an app registration needs for Cloud Entitlements in an integration mode: the " +
			"Microsoft Graph application permissions (with admin consent) and the Azure roles. Feed it to " +
			"`azuread_application` and `azuread_app_role_assignment` instead of copying GUIDs. It is static: it needs " +
			"no provider credentials and makes no API call.",
		Attributes: map[string]schema.Attribute{
			"integration_mode": schema.StringAttribute{
				MarkdownDescription: "`read` or `read_write`.",
				Required:            true,
				Validators:          []validator.String{validators.OneOf(azure.Modes...)},
			},
			"graph_app_id": schema.StringAttribute{
				MarkdownDescription: "Application ID of Microsoft Graph, the `resource_app_id` of `required_resource_access`.",
				Computed:            true,
			},
			"graph_permissions": namedIDs("The Microsoft Graph application permissions, sorted by name.",
				"App role ID of the permission, the `id` of a `resource_access` of type `Role`."),
			"graph_permission_ids": schema.MapAttribute{
				MarkdownDescription: "The same permissions as a map from name to app role ID, handy for `for_each`.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"azure_roles": namedIDs("The Azure built-in roles the application's service principal needs on the "+
				"scopes to analyse.", "Role definition ID (a GUID)."),
		},
	}
}

func (d *azureRequiredPermissionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m requiredPermissionsModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	mode := m.IntegrationMode.ValueString()
	var perms, roles []namedIDModel
	ids := map[string]string{}
	for _, p := range azure.RequiredPermissions(mode) {
		perms = append(perms, namedIDModel{Name: types.StringValue(p.Name), ID: types.StringValue(p.ID)})
		ids[p.Name] = p.ID
	}
	for _, r := range azure.RequiredRoles(mode) {
		roles = append(roles, namedIDModel{Name: types.StringValue(r.Name), ID: types.StringValue(r.ID)})
	}
	m.GraphAppID = types.StringValue(azure.GraphAppID)
	var diags diag.Diagnostics
	m.GraphPermissions, diags = types.ListValueFrom(ctx, types.ObjectType{AttrTypes: namedIDAttrTypes}, perms)
	resp.Diagnostics.Append(diags...)
	m.GraphPermissionIDs, diags = types.MapValueFrom(ctx, types.StringType, ids)
	resp.Diagnostics.Append(diags...)
	m.AzureRoles, diags = types.ListValueFrom(ctx, types.ObjectType{AttrTypes: namedIDAttrTypes}, roles)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.State.Set(ctx, m)...)
}
