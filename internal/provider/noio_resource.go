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
	newTenantResource = func() resource.Resource { return &noIOTenantResource{connectionResource{kind: &azureTenant}} }
}

// noIOTenantResource is segura_azure_tenant without a server. With no provider data, its
// plan skips the conflict check, the one part of planning that asks Segura.
type noIOTenantResource struct{ connectionResource }

func (r *noIOTenantResource) Configure(context.Context, resource.ConfigureRequest, *resource.ConfigureResponse) {
}

func (r *noIOTenantResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, diags := valuesOf(ctx, req.Plan.Schema.Type(), req.Plan.Raw)
	resp.Diagnostics.Append(diags...)
	id := strings.ToLower(plan.text("tenant_id"))
	plan["id"] = types.StringValue(id)
	plan["connected_at"] = timetypes.NewRFC3339TimeValue(time.Now().UTC())
	plan["synchronization"] = types.ObjectValueMust(synchronizationAttrTypes, map[string]attr.Value{
		"state": types.StringValue("pending"), "last_run_at": timetypes.NewRFC3339Null(), "next_run_at": timetypes.NewRFC3339Null(),
		"reason": types.StringNull(), "message": types.StringValue(""),
	})
	obj, diags := objectOf(ctx, resp.State.Schema.Type(), plan)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(resp.State.Set(ctx, obj)...)
	resp.Diagnostics.Append(r.kind.setIdentity(ctx, resp.Identity, id)...)
}

func (r *noIOTenantResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	resp.State.Raw = req.State.Raw
	state, diags := valuesOf(ctx, req.State.Schema.Type(), req.State.Raw)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(r.kind.setIdentity(ctx, resp.Identity, state.text("tenant_id"))...)
}

func (r *noIOTenantResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	resp.State.Raw = req.Plan.Raw
	plan, diags := valuesOf(ctx, req.Plan.Schema.Type(), req.Plan.Raw)
	resp.Diagnostics.Append(diags...)
	resp.Diagnostics.Append(r.kind.setIdentity(ctx, resp.Identity, plan.text("tenant_id"))...)
}

func (r *noIOTenantResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}
