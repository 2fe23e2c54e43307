package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/segura/terraform-provider-segura/internal/client"
)

// planCheckTimeout bounds the plan-time question "is this connection already there?",
// retries included. A Segura that does not answer within it only costs a warning.
const planCheckTimeout = 20 * time.Second

// checkNotConnected is the plan's check of a create (a new connection or a replacement): it
// asks Segura whether the connection of the plan's key already exists, so that the plan, not
// the apply, fails when it does, and fails on credentials Segura refuses. A key not known at
// plan (one that Segura reads from the credential) skips it, with no request.
//
// One connection passes with a warning: one that already has every setting of the plan.
// That is what an earlier apply of this same configuration leaves when it was interrupted
// after Segura connected it and before Terraform saved it. The plan cannot tell who made it:
// the apply adopts it when Segura replays this configuration's own request (see
// client.Collection.Create), and fails with the import command otherwise.
func (r *connectionResource) checkNotConnected(ctx context.Context, plan values, diags *diag.Diagnostics) {
	k := r.kind
	key := plan.text(k.key)
	if plan.unknown(k.key) || key == "" || r.data == nil || r.data.planChecksOff.Load() {
		return
	}
	var clientDiags diag.Diagnostics
	c := r.data.apiClient(&clientDiags)
	if clientDiags.HasError() {
		return // the provider's settings are reported by the apply, which needs them
	}
	ctx, cancel := context.WithTimeout(ctx, planCheckTimeout)
	defer cancel()
	got, err := r.data.readsOf(k).connected(ctx, c, key)
	switch {
	case err == nil && got == nil:
		return
	case err == nil && k.sameSettings(ctx, plan, got):
		diags.AddAttributeWarning(path.Root(k.key), k.what+" already connected with these settings",
			fmt.Sprintf("Cloud Entitlements already has a connection for %[2]s %[1]s with every setting of this "+
				"plan. The apply adopts it only if Segura replays the request of an earlier apply of this configuration "+
				"with these provider credentials (one interrupted while connecting it), which proves that Terraform made "+
				"it. Otherwise the apply fails and gives the import command.\n\n"+
				"If this plan also destroys the segura_%[3]s that holds this %[4]s (its label was renamed, or "+
				"it moved into or out of a module), the apply would disconnect the %[4]s and connect it again, "+
				"restarting its synchronization. Tell Terraform of the move instead, and the plan changes nothing:\n\n"+
				"    moved {\n      from = segura_%[3]s.<old name>\n      to   = segura_%[3]s.<new name>\n    }",
				key, k.what, k.typeName, k.noun))
	case err == nil:
		diags.AddAttributeError(path.Root(k.key), k.summaryAlreadyConnected(), k.alreadyConnected(key))
	case unreachable(err):
		if r.data.planChecksOff.CompareAndSwap(false, true) {
			diags.AddWarning("Segura not reachable at plan time",
				fmt.Sprintf("The plan could not ask Segura whether %s %s is already connected (%v). It goes on "+
					"without that check, for this and the other connections of the plan; the apply will tell.", k.what, key, err))
		}
	default:
		addAPIError(diags, k.act("check the connection of", key), err)
	}
}

// unreachable reports whether err says nothing about the tenant or the credentials: no
// answer, a server fault, throttling, or no answer in time. A failure that no retry mends
// (TLS, a certificate, plain HTTP to https://) is no such thing: the plan fails on it.
func unreachable(err error) bool {
	if _, _, final := client.Unmendable(err); final {
		return false // a setting to change, which the apply would meet too
	}
	var transport *client.TransportError
	var giveUp *client.GiveUpError
	var tokenErr *client.TokenError
	if errors.As(err, &transport) || errors.As(err, &giveUp) {
		return true
	}
	if errors.As(err, &tokenErr) {
		return !tokenErr.Refused()
	}
	apiErr, ok := client.AsAPIError(err)
	return !ok || apiErr.StatusCode >= 500 || apiErr.StatusCode == http.StatusTooManyRequests
}

// sameSettings reports whether the connection w already has every setting that plan would
// create it with: the shared ones and the kind's. An unknown setting is not the same.
func (k *kind) sameSettings(ctx context.Context, plan values, w wire) bool {
	tags, diags := tagsOf(ctx, plan)
	s := w.Shared()
	have := slices.Sorted(slices.Values(s.Tags))
	if diags.HasError() || plan.unknown("tags") || !slices.Equal(tags, have) ||
		plan.unknown("name") || plan.text("name") != s.Name || plan.unknown("status") || plan.text("status") != s.Status {
		return false
	}
	own := k.fromAPI(w)
	for _, name := range k.settings {
		if plan.unknown(name) || !same(plan[name], own[name]) {
			return false
		}
	}
	return true
}

// warnRefusedNow runs the kind's pre-flight once, within planCheckTimeout, for a plan that
// sends a credential known at plan (a create, or a new secret), and warns of a refusal on the
// attribute to fix. Never an error: a credential made in the same run, or minutes ago, may
// not have propagated yet, and the apply waits for it. A cloud that cannot be reached says
// nothing here; the apply warns of it.
func (r *connectionResource) warnRefusedNow(ctx context.Context, config tfsdk.Config, plan values, diags *diag.Diagnostics) {
	k := r.kind
	if !k.warnAtPlan || r.data == nil || diags.HasError() {
		return
	}
	secret, _ := plan[k.secret].(types.String)
	if secret.IsNull() {
		diags.Append(config.GetAttribute(ctx, path.Root(k.secretWO), &secret)...)
	}
	if secret.IsNull() || secret.IsUnknown() || slices.ContainsFunc(k.settings, plan.unknown) {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, planCheckTimeout)
	defer cancel()
	verdict, _ := k.preflight(ctx, r.data, plan, secret.ValueString())
	field, summary, detail, ok := k.explainPreflight(verdict)
	if verdict == nil || !ok {
		return
	}
	window := durationText(r.data.propagationFor(k))
	if r.data.propagationFor(k) == 0 {
		window = "0s"
	}
	var found diag.Diagnostics
	found.AddAttributeWarning(path.Root(field), summary+" (refused now)",
		fmt.Sprintf("%s\n\nThe plan goes on: a credential made in the last minutes may still be propagating. The "+
			"apply checks again and waits up to %s (propagation_timeout) for what %s may still propagate; "+
			"anything else fails it then.", detail, window, k.propagation.service))
	maskDiagnostics(&found, secret.ValueString())
	diags.Append(found...)
}
