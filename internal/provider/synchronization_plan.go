package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
)

// keepSynchronization plans an update's synchronization as the state has it, unless the
// update restarts synchronization (a new secret, status, or one of the kind's restarts): a
// rename or a tag change then shows no "(known after apply)" for it, and Update keeps that value.
type keepSynchronization struct{ kind *kind }

var _ planmodifier.Object = keepSynchronization{}

func (keepSynchronization) Description(context.Context) string {
	return "Keeps the state's synchronization unless the update restarts it."
}

func (m keepSynchronization) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (m keepSynchronization) PlanModifyObject(ctx context.Context, req planmodifier.ObjectRequest, resp *planmodifier.ObjectResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() || !req.PlanValue.IsUnknown() || m.kind.restartsSynchronization(ctx, req.State, req.Plan) {
		return
	}
	resp.PlanValue = req.StateValue
}

// restartsSynchronization reports whether going from state to plan restarts the connection's
// synchronization, or may: any of its settings unknown counts.
func (k *kind) restartsSynchronization(ctx context.Context, state tfsdk.State, plan tfsdk.Plan) bool {
	s, diags := valuesOf(ctx, state.Schema.Type(), state.Raw)
	p, more := valuesOf(ctx, plan.Schema.Type(), plan.Raw)
	if diags.HasError() || more.HasError() {
		return true
	}
	for _, name := range append([]string{k.secret, k.secretVersion, "status"}, k.restarts...) {
		if !same(p[name], s[name]) {
			return true
		}
	}
	return false
}
