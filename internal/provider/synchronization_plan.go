package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/segura/terraform-provider-segura/internal/uuidtype"
)

// keepSynchronization plans an update's synchronization as the state has it, unless the
// update restarts synchronization (a new secret, application, mode or status): a rename or a
// tag change then shows no "(known after apply)" for it, and Update keeps that value.
type keepSynchronization struct{}

var _ planmodifier.Object = keepSynchronization{}

func (keepSynchronization) Description(context.Context) string {
	return "Keeps the state's synchronization unless the update restarts it."
}

func (m keepSynchronization) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (keepSynchronization) PlanModifyObject(ctx context.Context, req planmodifier.ObjectRequest, resp *planmodifier.ObjectResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() || !req.PlanValue.IsUnknown() || restartsSynchronization(ctx, req.State, req.Plan) {
		return
	}
	resp.PlanValue = req.StateValue
}

// restartsSynchronization reports whether going from state to plan restarts the connection's
// synchronization, or may: any of its settings unknown counts.
func restartsSynchronization(ctx context.Context, state tfsdk.State, plan tfsdk.Plan) bool {
	var stateApp, planApp uuidtype.Value
	var stateVersion, planVersion types.Int64
	state.GetAttribute(ctx, path.Root("application_id"), &stateApp)
	plan.GetAttribute(ctx, path.Root("application_id"), &planApp)
	state.GetAttribute(ctx, path.Root("secret_value_wo_version"), &stateVersion)
	plan.GetAttribute(ctx, path.Root("secret_value_wo_version"), &planVersion)
	if !planApp.EqualFold(stateApp) || !planVersion.Equal(stateVersion) {
		return true
	}
	for _, name := range []string{"secret_value", "integration_mode", "status"} {
		var s, p types.String
		state.GetAttribute(ctx, path.Root(name), &s)
		plan.GetAttribute(ctx, path.Root(name), &p)
		if !p.Equal(s) {
			return true
		}
	}
	return false
}
