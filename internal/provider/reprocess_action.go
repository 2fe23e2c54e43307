package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	fwaction "github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/validators"
)

var _ fwaction.ActionWithConfigure = &reprocessAction{}

// NewAzureTenantReprocessAction is the segura_azure_tenant_reprocess action.
func NewAzureTenantReprocessAction() fwaction.Action { return &reprocessAction{kind: &azureTenant} }

// NewAWSAccountReprocessAction is the segura_aws_account_reprocess action.
func NewAWSAccountReprocessAction() fwaction.Action { return &reprocessAction{kind: &awsAccount} }

// connectionState is what the action reads of a connection of any kind.
type connectionState struct {
	status string
	sync   client.Synchronization
	// fixes is the kind's advice for a failed synchronization of this connection.
	fixes syncFixes
}

// state reads what the action needs of the answer of a call.
func (k *kind) state(w wire, err error) (connectionState, error) {
	if err != nil {
		return connectionState{}, err
	}
	return connectionState{status: w.Shared().Status, sync: w.Shared().Synchronization, fixes: k.syncFixes(w)}, nil
}

// Default and bounds of the wait for a synchronization.
const (
	defaultReprocessTimeout = 15 * time.Minute
	reprocessFirstPoll      = time.Second
	reprocessMaxPoll        = 15 * time.Second
)

type reprocessAction struct {
	kind *kind
	data *providerData
}

func (a *reprocessAction) Metadata(_ context.Context, req fwaction.MetadataRequest, resp *fwaction.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + a.kind.typeName + "_reprocess"
}

func (a *reprocessAction) Schema(_ context.Context, _ fwaction.SchemaRequest, resp *fwaction.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: fmt.Sprintf("Synchronizes a connected %s with Cloud Entitlements now, as Setup's *Reprocess* "+
			"does, instead of at the next 15-minute run, and by default waits for that synchronization to finish. "+
			"Invoke it with `terraform apply -invoke=action.segura_%s.<name>`, or from a resource's "+
			"`lifecycle { action_trigger { ... } }`. Actions need Terraform 1.14 or later.", a.kind.what, a.kind.typeName+"_reprocess"),
		Attributes: map[string]schema.Attribute{
			a.kind.key: schema.StringAttribute{MarkdownDescription: a.kind.keyText, Required: true,
				Validators: a.kind.keyValidators},
			"wait": schema.BoolAttribute{Optional: true, MarkdownDescription: "Wait until the synchronization has " +
				"finished, reporting its progress, and fail when it fails. Defaults to `true`; `false` only starts it."},
			"timeout": schema.StringAttribute{Optional: true, Validators: []validator.String{validators.Duration(false)},
				MarkdownDescription: fmt.Sprintf("How long to wait for the synchronization, as a duration such as `20m`. "+
					"Defaults to `%s`. When it ends first, the synchronization goes on in Segura.", durationText(defaultReprocessTimeout))},
		},
	}
}

func (a *reprocessAction) Configure(_ context.Context, req fwaction.ConfigureRequest, resp *fwaction.ConfigureResponse) {
	a.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}

func (a *reprocessAction) Invoke(ctx context.Context, req fwaction.InvokeRequest, resp *fwaction.InvokeResponse) {
	var id, timeoutText types.String
	var wait types.Bool
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(a.kind.key), &id)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("wait"), &wait)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("timeout"), &timeoutText)...)
	defer maskDiagnostics(&resp.Diagnostics, a.data.secrets()...)
	c := a.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout := defaultReprocessTimeout
	if !timeoutText.IsNull() {
		timeout, _ = validators.ParseDuration(timeoutText.ValueString(), false) // the schema validated it
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	what := a.kind.act("reprocess", id.ValueString())

	got, err := a.kind.state(a.kind.calls.get(ctx, c, id.ValueString()))
	if err == nil && got.status == client.StatusInactive {
		err = errInactive
	}
	if err == nil {
		got, err = a.kind.state(a.kind.calls.reprocess(ctx, c, id.ValueString()))
	}
	if err != nil {
		a.addError(&resp.Diagnostics, what, id.ValueString(), err)
		return
	}
	a.progress(resp, id.ValueString(), got.sync)
	if wait.IsNull() || wait.ValueBool() {
		a.wait(ctx, c, id.ValueString(), got, timeout, resp)
	}
}

// wait polls the connection, with backoff on the provider's clock, until its synchronization
// has finished, reporting each change of state.
func (a *reprocessAction) wait(ctx context.Context, c *client.Client, id string, last connectionState,
	timeout time.Duration, resp *fwaction.InvokeResponse) {
	for poll := reprocessFirstPoll; last.sync.State == client.SyncPending || last.sync.State == client.SyncRunning; poll = min(2*poll, reprocessMaxPoll) {
		select {
		case <-ctx.Done():
			resp.Diagnostics.AddError("Synchronization not finished in time",
				fmt.Sprintf("The synchronization of %s %s was still %s after %s. It goes on in Segura: raise the action's "+
					"timeout to wait longer, or set wait = false to only start it.", a.kind.what, id, last.sync.State, durationText(timeout)))
			return
		case <-a.data.clock.After(poll):
		}
		got, err := a.kind.state(a.kind.calls.get(ctx, c, id))
		if err != nil {
			a.addError(&resp.Diagnostics, a.kind.act("follow the synchronization of", id), id, err)
			return
		}
		if got.sync.State != last.sync.State {
			a.progress(resp, id, got.sync)
		}
		last = got
	}
	if last.sync.State == client.SyncFailed {
		summary, detail := syncFailure(a.kind.what, id, last.sync, last.fixes)
		resp.Diagnostics.AddError(summary, detail)
	}
}

func (a *reprocessAction) progress(resp *fwaction.InvokeResponse, id string, s client.Synchronization) {
	msg := fmt.Sprintf("%s %s: synchronization %s", a.kind.what, id, s.State)
	if s.State == client.SyncFailed && s.Reason != "" {
		msg += " (" + s.Reason + ")"
	}
	resp.SendProgress(fwaction.InvokeProgressEvent{Message: msg})
}

// addError explains a refused reprocess: an inactive connection, which Segura does not
// synchronize, in words of its own; anything else as every API error.
func (a *reprocessAction) addError(diags *diag.Diagnostics, what action, id string, err error) {
	if !isInactive(err) {
		addAPIError(diags, what, err)
		return
	}
	diags.AddError("Connection inactive",
		fmt.Sprintf("%s %s is inactive, and Segura synchronizes only active connections: nothing was reprocessed. "+
			"Set status = \"active\" on its resource (or switch Status on in Setup) first.", a.kind.what, id))
}

// errInactive is a connection that the action found inactive, before asking Segura.
var errInactive = errors.New("the connection is inactive")

// isInactive reports whether err says that the connection is inactive: found so, or refused
// by Segura as connection_inactive.
func isInactive(err error) bool {
	apiErr, ok := client.AsAPIError(err)
	return errors.Is(err, errInactive) || (ok && apiErr.Code == client.CodeConnectionInactive)
}
