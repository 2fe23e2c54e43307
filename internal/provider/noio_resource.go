//go:build benchnoio

package provider

// The no-I/O build of the provider, for `make bench-cli` only and never released: the same
// schema and plan logic, with operations that answer at once without calling anything, so
// that the benchmark can tell the provider's own cost from the wire's.

import (
	"context"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func init() {
	newTenantResource = func() resource.Resource { return &noIOTenantResource{} }
}

// noIOTenantResource is segura_azure_tenant without a server. With no provider data, its
// plan skips the conflict check, the one part of planning that asks Segura.
type noIOTenantResource struct{ azureTenantResource }

func (r *noIOTenantResource) Configure(context.Context, resource.ConfigureRequest, *resource.ConfigureResponse) {
}

func (r *noIOTenantResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan azureTenantResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	id := strings.ToLower(plan.TenantID.ValueString())
	plan.ID = types.StringValue(id)
	plan.ConnectedAt = timetypes.NewRFC3339TimeValue(time.Now().UTC())
	plan.Synchronization = types.ObjectValueMust(synchronizationAttrTypes, map[string]attr.Value{
		"state": types.StringValue("pending"), "last_run_at": timetypes.NewRFC3339Null(), "message": types.StringValue(""),
	})
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, id)...)
}

func (r *noIOTenantResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state azureTenantResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, state.TenantID.ValueString())...)
}

func (r *noIOTenantResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan azureTenantResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	resp.Diagnostics.Append(setIdentity(ctx, resp.Identity, plan.TenantID.ValueString())...)
}

func (r *noIOTenantResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}
