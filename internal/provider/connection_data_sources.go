package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/segura/terraform-provider-segura/internal/client"
)

var (
	_ datasource.DataSourceWithConfigure = &connectionDataSource{}
	_ datasource.DataSourceWithConfigure = &connectionsDataSource{}
)

// NewAzureTenantDataSource is the segura_azure_tenant data source.
func NewAzureTenantDataSource() datasource.DataSource {
	return &connectionDataSource{kind: &azureTenant}
}

// NewAWSAccountDataSource is the segura_aws_account data source.
func NewAWSAccountDataSource() datasource.DataSource { return &connectionDataSource{kind: &awsAccount} }

// NewAWSAccountsDataSource is the segura_aws_accounts data source.
func NewAWSAccountsDataSource() datasource.DataSource {
	return &connectionsDataSource{kind: &awsAccount}
}

// NewAzureTenantsDataSource is the segura_azure_tenants data source.
func NewAzureTenantsDataSource() datasource.DataSource {
	return &connectionsDataSource{kind: &azureTenant}
}

// connectionDataSource is one connection of a kind, by its key.
type connectionDataSource struct {
	kind *kind
	data *providerData
}

// dataAttributes are the attributes of a connection as data sources show them: those of the
// resource, all read-only, and never a secret.
func (k *kind) dataSourceAttributes() map[string]schema.Attribute {
	attrs := k.dataAttributes()
	attrs["id"] = schema.StringAttribute{Computed: true, MarkdownDescription: k.texts.id}
	attrs["name"] = schema.StringAttribute{Computed: true, MarkdownDescription: descName}
	attrs["tags"] = schema.SetAttribute{Computed: true, ElementType: types.StringType, MarkdownDescription: descTags}
	attrs["status"] = schema.StringAttribute{Computed: true, MarkdownDescription: descStatus}
	attrs["connected_at"] = schema.StringAttribute{Computed: true, CustomType: timetypes.RFC3339Type{}, MarkdownDescription: k.descConnectedAt()}
	attrs["synchronization"] = schema.ObjectAttribute{Computed: true, AttributeTypes: synchronizationAttrTypes, MarkdownDescription: k.descSync()}
	return attrs
}

func (d *connectionDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + d.kind.typeName
}

func (d *connectionDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	k := d.kind
	attrs := k.dataSourceAttributes()
	key := attrs[k.key].(schema.StringAttribute)
	attrs[k.key] = schema.StringAttribute{Required: true, CustomType: key.CustomType, MarkdownDescription: k.keyText,
		Validators: k.keyValidators}
	resp.Schema = schema.Schema{MarkdownDescription: k.texts.dataSource, Attributes: attrs}
}

func (d *connectionDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}

func (d *connectionDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	k := d.kind
	config, diags := valuesOf(ctx, req.Config.Schema.Type(), req.Config.Raw)
	resp.Diagnostics.Append(diags...)
	defer maskDiagnostics(&resp.Diagnostics, d.data.secrets()...)
	c := d.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, defaultReadTimeout)
	defer cancel()
	key := config.text(k.key)
	got, err := d.data.readsOf(k).get(ctx, c, key)
	if client.IsNotFound(err) {
		resp.Diagnostics.AddAttributeError(path.Root(k.key), k.what+" not connected",
			fmt.Sprintf("Cloud Entitlements has no connection for %s %s. Connect it with a segura_%s "+
				"resource, or list the connected %s with the segura_%ss data source.", k.what, key, k.typeName, k.nouns, k.typeName))
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, k.act("read", key), err)
		return
	}
	v, diags := k.connection(ctx, got)
	resp.Diagnostics.Append(diags...)
	obj, diags := objectOf(ctx, req.Config.Schema.Type(), v)
	resp.Diagnostics.Append(diags...)
	if !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(resp.State.Set(ctx, obj)...)
	}
}

// connectionsDataSource is every connection of a kind that matches its filters.
type connectionsDataSource struct {
	kind *kind
	data *providerData
}

func (d *connectionsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + d.kind.typeName + "s"
}

func (d *connectionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	k := d.kind
	attrs := map[string]schema.Attribute{
		"status": schema.StringAttribute{MarkdownDescription: descFilterStatus, Optional: true, Validators: statusValidators},
		"tags":   schema.SetAttribute{MarkdownDescription: descFilterTags, ElementType: types.StringType, Optional: true},
		k.excludeAttribute(): schema.SetAttribute{MarkdownDescription: k.texts.exclude, ElementType: types.StringType,
			Optional: true},
		"synchronization_state": schema.StringAttribute{MarkdownDescription: descFilterSync, Optional: true,
			Validators: syncValidators},
		k.nouns: schema.ListNestedAttribute{
			MarkdownDescription: k.texts.items,
			Computed:            true,
			NestedObject:        schema.NestedAttributeObject{Attributes: k.dataSourceAttributes()},
		},
	}
	for _, f := range k.filters {
		attrs[f.name] = schema.StringAttribute{MarkdownDescription: f.description, Optional: true, Validators: f.validators}
	}
	resp.Schema = schema.Schema{MarkdownDescription: k.texts.plural, Attributes: attrs}
}

func (d *connectionsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}

func (d *connectionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	k := d.kind
	f, diags := k.filterOf(ctx, req.Config.GetAttribute)
	resp.Diagnostics.Append(diags...)
	defer maskDiagnostics(&resp.Diagnostics, d.data.secrets()...)
	c := d.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, defaultReadTimeout)
	defer cancel()
	config, diags := valuesOf(ctx, req.Config.Schema.Type(), req.Config.Raw)
	resp.Diagnostics.Append(diags...)
	listType := req.Config.Schema.Type().(attr.TypeWithAttributeTypes).AttributeTypes()[k.nouns].(types.ListType)
	items := []attr.Value{}
	for w, err := range k.calls.all(ctx, c, f.input()) {
		if err != nil {
			addAPIError(&resp.Diagnostics, k.act("list", ""), err)
			return
		}
		if f.excludes(w) {
			continue
		}
		v, diags := k.connection(ctx, w)
		resp.Diagnostics.Append(diags...)
		item, diags := objectOf(ctx, listType.ElemType, v)
		resp.Diagnostics.Append(diags...)
		items = append(items, item)
	}
	list, diags := types.ListValue(listType.ElemType, items)
	resp.Diagnostics.Append(diags...)
	config[k.nouns] = list
	obj, diags := objectOf(ctx, req.Config.Schema.Type(), config)
	resp.Diagnostics.Append(diags...)
	if !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(resp.State.Set(ctx, obj)...)
	}
}
