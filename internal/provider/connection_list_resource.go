package provider

import (
	"context"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/validators"
)

var _ list.ListResourceWithConfigure = &connectionListResource{}

// NewAzureTenantListResource is the segura_azure_tenant list resource: `terraform query`
// finds the connections (Terraform 1.14 and later), and with -generate-config-out writes an
// import block and a resource block for each.
func NewAzureTenantListResource() list.ListResource {
	return &connectionListResource{kind: &azureTenant}
}

// NewAWSAccountListResource is the segura_aws_account list resource.
func NewAWSAccountListResource() list.ListResource { return &connectionListResource{kind: &awsAccount} }

// connectionListResource finds the connections of a kind.
type connectionListResource struct {
	kind *kind
	data *providerData
}

// connectionFilter is what the list resource and the plural data source select connections by.
type connectionFilter struct {
	status string
	// own are the kind's own filters, by attribute name, as the API's query parameters.
	own  map[string]string
	tags []string // a set in the data source, a list in the list resource
	// exclude are left out, compared without regard to letter case.
	exclude []string
	// synchronizationState keeps the connections whose synchronization is in that state.
	synchronizationState string
}

// excludeAttribute is the filter that leaves out connections by key: exclude_tenant_ids.
func (k *kind) excludeAttribute() string { return "exclude_" + k.key + "s" }

// filterOf reads the filters of a configuration through get (its GetAttribute).
func (k *kind) filterOf(ctx context.Context, get func(context.Context, path.Path, any) diag.Diagnostics) (connectionFilter, diag.Diagnostics) {
	var diags diag.Diagnostics
	text := func(name string) string {
		var v types.String
		diags.Append(get(ctx, path.Root(name), &v)...)
		return v.ValueString()
	}
	f := connectionFilter{status: text("status"), synchronizationState: text("synchronization_state"), own: map[string]string{}}
	for _, own := range k.filters {
		if v := text(own.name); v != "" {
			f.own[own.name] = v
		}
	}
	diags.Append(get(ctx, path.Root("tags"), &f.tags)...)
	diags.Append(get(ctx, path.Root(k.excludeAttribute()), &f.exclude)...)
	return f, diags
}

// excludes reports whether f leaves out w, for what the API's list cannot filter.
func (f connectionFilter) excludes(w wire) bool {
	if f.synchronizationState != "" && w.Shared().Synchronization.State != f.synchronizationState {
		return true
	}
	return slices.ContainsFunc(f.exclude, func(id string) bool { return strings.EqualFold(id, w.Key()) })
}

// input is the API's list request for the filter.
func (f connectionFilter) input() client.ListInput {
	tags := slices.Clone(f.tags)
	slices.Sort(tags)
	in := client.ListInput{Status: f.status, Tags: slices.Compact(tags)}
	for name, v := range f.own {
		if in.Filters == nil {
			in.Filters = map[string][]string{}
		}
		in.Filters.Set(name, v)
	}
	return in
}

// Descriptions of the shared filters, for the list resource and the data source.
const (
	descFilterStatus = "Only connections with this status: `active` or `inactive`."
	descFilterTags   = "Only connections that have every one of these tags."
	descFilterSync   = "Only connections whose last synchronization is in this state: `pending`, `running`, " +
		"`succeeded` or `failed` (for instance, to report the connections whose credentials stopped working)."
)

var (
	statusValidators = []validator.String{validators.OneOf(client.StatusActive, client.StatusInactive)}
	syncValidators   = []validator.String{validators.OneOf(client.SyncPending, client.SyncRunning, client.SyncSucceeded, client.SyncFailed)}
)

func (l *connectionListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + l.kind.typeName
}

func (l *connectionListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	k := l.kind
	attrs := map[string]schema.Attribute{
		"status": schema.StringAttribute{MarkdownDescription: descFilterStatus, Optional: true, Validators: statusValidators},
		"tags":   schema.ListAttribute{MarkdownDescription: descFilterTags, ElementType: types.StringType, Optional: true},
		k.excludeAttribute(): schema.ListAttribute{MarkdownDescription: k.texts.exclude, ElementType: types.StringType,
			Optional: true},
		"synchronization_state": schema.StringAttribute{MarkdownDescription: descFilterSync, Optional: true,
			Validators: syncValidators},
	}
	for _, f := range k.filters {
		attrs[f.name] = schema.StringAttribute{MarkdownDescription: f.description, Optional: true, Validators: f.validators}
	}
	resp.Schema = schema.Schema{MarkdownDescription: k.texts.list, Attributes: attrs}
}

func (l *connectionListResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	l.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}

func (l *connectionListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	k := l.kind
	f, diags := k.filterOf(ctx, req.Config.GetAttribute)
	c := l.data.apiClient(&diags)
	if diags.HasError() {
		maskDiagnostics(&diags, l.data.secrets()...)
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	filter := f.input()
	stream.Results = func(push func(list.ListResult) bool) {
		ctx, cancel := context.WithTimeout(ctx, defaultReadTimeout)
		defer cancel()
		var n int64
		for w, err := range k.calls.all(ctx, c, filter) {
			if err == nil && f.excludes(w) {
				continue
			}
			result := req.NewListResult(ctx)
			if err != nil {
				addAPIError(&result.Diagnostics, k.act("list", ""), err)
			} else {
				result.DisplayName = w.Shared().Name
				result.Diagnostics.Append(k.setIdentity(ctx, result.Identity, w.Key())...)
				if req.IncludeResource {
					// No secret and no timeouts: what an imported connection has.
					v, diags := k.connection(ctx, w)
					result.Diagnostics.Append(diags...)
					obj, diags := objectOf(ctx, result.Resource.Schema.Type(), v)
					result.Diagnostics.Append(diags...)
					if !result.Diagnostics.HasError() {
						result.Diagnostics.Append(result.Resource.Set(ctx, obj)...)
					}
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
