package provider

import (
	"context"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/uuidtype"
)

// azureTenantModel holds what the API says of a connection. The resource and the data sources
// embed it, and fromAPI is the one mapping from the API object.
type azureTenantModel struct {
	ID              types.String      `tfsdk:"id"`
	Name            types.String      `tfsdk:"name"`
	TenantID        uuidtype.Value    `tfsdk:"tenant_id"`
	ApplicationID   uuidtype.Value    `tfsdk:"application_id"`
	IntegrationMode types.String      `tfsdk:"integration_mode"`
	Tags            types.Set         `tfsdk:"tags"`
	Status          types.String      `tfsdk:"status"`
	ConnectedAt     timetypes.RFC3339 `tfsdk:"connected_at"`
	Synchronization types.Object      `tfsdk:"synchronization"`
}

var synchronizationAttrTypes = map[string]attr.Type{
	"state":       types.StringType,
	"last_run_at": timetypes.RFC3339Type{},
	"next_run_at": timetypes.RFC3339Type{},
	"reason":      types.StringType,
	"message":     types.StringType,
}

// fromAPI sets every field from the API object.
func (m *azureTenantModel) fromAPI(ctx context.Context, t *client.AzureTenant) diag.Diagnostics {
	var diags diag.Diagnostics
	m.ID = types.StringValue(t.TenantID)
	m.Name = types.StringValue(t.Name)
	m.TenantID = uuidtype.NewValue(t.TenantID)
	m.ApplicationID = uuidtype.NewValue(t.ApplicationID)
	m.IntegrationMode = types.StringValue(t.IntegrationMode)
	m.Status = types.StringValue(t.Status)
	m.ConnectedAt = timetypes.NewRFC3339TimeValue(t.ConnectedAt.UTC())

	tags := t.Tags
	if tags == nil {
		tags = []string{}
	}
	var d diag.Diagnostics
	m.Tags, d = types.SetValueFrom(ctx, types.StringType, tags)
	diags.Append(d...)

	reason := types.StringNull()
	if t.Synchronization.Reason != "" {
		reason = types.StringValue(t.Synchronization.Reason)
	}
	m.Synchronization, d = types.ObjectValue(synchronizationAttrTypes, map[string]attr.Value{
		"state":       types.StringValue(t.Synchronization.State),
		"last_run_at": timeOrNull(t.Synchronization.LastRunAt),
		"next_run_at": timeOrNull(t.Synchronization.NextRunAt),
		"reason":      reason,
		"message":     types.StringValue(t.Synchronization.Message),
	})
	diags.Append(d...)
	return diags
}

func timeOrNull(t *time.Time) timetypes.RFC3339 {
	if t == nil {
		return timetypes.NewRFC3339Null()
	}
	return timetypes.NewRFC3339TimeValue(t.UTC())
}

// tagList returns the configured tags, sorted as the API keeps them.
func tagList(ctx context.Context, s types.Set) ([]string, diag.Diagnostics) {
	tags := []string{}
	if s.IsNull() || s.IsUnknown() {
		return tags, nil
	}
	diags := s.ElementsAs(ctx, &tags, false)
	slices.Sort(tags)
	return tags, diags
}

// Descriptions shared by the resource and the data sources.
const (
	descID       = "The Azure tenant ID in lowercase; also the import ID."
	descName     = "Display name of the connection in Cloud Entitlements: 1 to 128 characters, not blank, no control characters."
	descTenantID = "Directory (tenant) ID of the Azure tenant, a UUID in any letter case. Only one connection per tenant is allowed."
	descAppID    = "Application (client) ID of the app registration Cloud Entitlements signs in with, a UUID in any letter case."
	descMode     = "`read` (\"Read\") or `read_write` (\"Read and Write\"). Each needs its own Microsoft Graph application " +
		"permissions; see the `segura_azure_required_permissions` data source."
	descTags        = "Tags: distinct strings of 1 to 64 characters, no leading or trailing space; at most 10 (Segura's limit)."
	descStatus      = "`active` or `inactive` (the Status switch). Inactive connections are kept but not synchronized."
	descConnectedAt = "When the tenant was connected (RFC 3339)."
	descSync        = "The analysis of the tenant by Cloud Entitlements, read-only: `state` is `pending`, `running`, " +
		"`succeeded` or `failed`; `last_run_at` is the end of the last run (RFC 3339, null before the first one); " +
		"`next_run_at` is when the next one starts (every 15 minutes; null while inactive); `reason`, when the last " +
		"run failed, is `invalid_credentials` (the secret no longer works: rotate it), `missing_permissions`, " +
		"`missing_role` or `internal`, and null otherwise; `message` is what the last run reported."
)
