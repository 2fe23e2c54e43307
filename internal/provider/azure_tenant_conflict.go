package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/segura/terraform-provider-segura/internal/client"
)

// planCheckTimeout bounds the plan-time question "is this tenant already connected?",
// retries included. A Segura that does not answer within it only costs a warning.
const planCheckTimeout = 20 * time.Second

// checkNotConnected is the plan's check of a create (a new connection or a replacement): it
// asks Segura whether the tenant is already connected, so that the plan, not the apply,
// fails when it is, and fails on credentials Segura refuses.
//
// One connection passes with a warning: one that already has every setting of the plan.
// That is what an earlier apply of this same configuration leaves when it was interrupted
// after Segura connected the tenant and before Terraform saved it. The plan cannot tell who
// made it: the apply adopts it when Segura replays this configuration's own request (see
// client.CreateAzureTenant), and fails with the import command otherwise.
func (r *azureTenantResource) checkNotConnected(ctx context.Context, plan azureTenantResourceModel, diags *diag.Diagnostics) {
	tenantID := plan.TenantID.ValueString()
	if plan.TenantID.IsUnknown() || tenantID == "" || r.data == nil || r.data.planChecksOff.Load() {
		return
	}
	var clientDiags diag.Diagnostics
	c := r.data.apiClient(&clientDiags)
	if clientDiags.HasError() {
		return // the provider's settings are reported by the apply, which needs them
	}
	ctx, cancel := context.WithTimeout(ctx, planCheckTimeout)
	defer cancel()
	got, err := r.data.reads.connected(ctx, c, tenantID)
	switch {
	case err == nil && got == nil:
		return
	case err == nil && sameSettings(ctx, plan, got):
		diags.AddAttributeWarning(path.Root("tenant_id"), "Azure tenant already connected with these settings",
			fmt.Sprintf("Cloud Entitlements already has a connection for Azure tenant %s with every setting of this "+
				"plan. The apply adopts it only if Segura replays the request of an earlier apply of this configuration "+
				"with these provider credentials (one interrupted while connecting it), which proves that Terraform made "+
				"it. Otherwise the apply fails and gives the import command.\n\n"+
				"If this plan also destroys the segura_azure_tenant that holds this tenant (its label was renamed, or "+
				"it moved into or out of a module), the apply would disconnect the tenant and connect it again, "+
				"restarting its synchronization. Tell Terraform of the move instead, and the plan changes nothing:\n\n"+
				"    moved {\n      from = segura_azure_tenant.<old name>\n      to   = segura_azure_tenant.<new name>\n    }",
				tenantID))
	case err == nil:
		diags.AddAttributeError(path.Root("tenant_id"), summaryAlreadyConnected, alreadyConnected(tenantID))
	case unreachable(err):
		if r.data.planChecksOff.CompareAndSwap(false, true) {
			diags.AddWarning("Segura not reachable at plan time",
				fmt.Sprintf("The plan could not ask Segura whether Azure tenant %s is already connected (%v). It goes on "+
					"without that check, for this and the other connections of the plan; the apply will tell.", tenantID, err))
		}
	default:
		addAPIError(diags, action{"check the connection of", tenantID}, err)
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

// sameSettings reports whether the connection t already has every setting that plan would
// create it with. An unknown setting is not the same.
func sameSettings(ctx context.Context, plan azureTenantResourceModel, t *client.AzureTenant) bool {
	tags, diags := tagList(ctx, plan.Tags)
	have := slices.Sorted(slices.Values(t.Tags))
	return !diags.HasError() && !plan.Tags.IsUnknown() &&
		plan.Name.ValueString() == t.Name && !plan.Name.IsUnknown() &&
		strings.EqualFold(plan.ApplicationID.ValueString(), t.ApplicationID) && !plan.ApplicationID.IsUnknown() &&
		plan.IntegrationMode.ValueString() == t.IntegrationMode && !plan.IntegrationMode.IsUnknown() &&
		plan.Status.ValueString() == t.Status && !plan.Status.IsUnknown() &&
		slices.Equal(tags, have)
}
