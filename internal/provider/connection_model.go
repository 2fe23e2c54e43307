package provider

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// The common model: what every kind's connection has (id, name, tags, status, connected_at,
// synchronization), mapped once from the API object. A kind's fromAPI adds its own.

var synchronizationAttrTypes = map[string]attr.Type{
	"state":       types.StringType,
	"last_run_at": timetypes.RFC3339Type{},
	"next_run_at": timetypes.RFC3339Type{},
	"reason":      types.StringType,
	"message":     types.StringType,
}

// connection is every attribute of the connection w: the shared ones and the kind's.
func (k *kind) connection(ctx context.Context, w wire) (values, diag.Diagnostics) {
	var diags diag.Diagnostics
	s := w.Shared()
	v := values{
		"id":           types.StringValue(w.Key()),
		"name":         types.StringValue(s.Name),
		"status":       types.StringValue(s.Status),
		"connected_at": timetypes.NewRFC3339TimeValue(s.ConnectedAt.UTC()),
	}
	tags := s.Tags
	if tags == nil {
		tags = []string{}
	}
	var d diag.Diagnostics
	v["tags"], d = types.SetValueFrom(ctx, types.StringType, tags)
	diags.Append(d...)

	reason := types.StringNull()
	if s.Synchronization.Reason != "" {
		reason = types.StringValue(s.Synchronization.Reason)
	}
	v["synchronization"], d = types.ObjectValue(synchronizationAttrTypes, map[string]attr.Value{
		"state":       types.StringValue(s.Synchronization.State),
		"last_run_at": timeOrNull(s.Synchronization.LastRunAt),
		"next_run_at": timeOrNull(s.Synchronization.NextRunAt),
		"reason":      reason,
		"message":     types.StringValue(s.Synchronization.Message),
	})
	diags.Append(d...)
	for name, value := range k.fromAPI(w) {
		v[name] = value
	}
	return v, diags
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

// tagsOf is tagList of the tags attribute of v.
func tagsOf(ctx context.Context, v values) ([]string, diag.Diagnostics) {
	s, _ := v["tags"].(types.Set)
	return tagList(ctx, s)
}

// Descriptions of the shared attributes, for the resource and the data sources.
const (
	descName   = "Display name of the connection in Cloud Entitlements: 1 to 128 characters, not blank, no control characters."
	descTags   = "Tags: distinct strings of 1 to 64 characters, no leading or trailing space; at most 10 (Segura's limit)."
	descStatus = "`active` or `inactive` (the Status switch). Inactive connections are kept but not synchronized."
)

// descConnectedAt and descSync describe connected_at and synchronization in the kind's words.
func (k *kind) descConnectedAt() string {
	return fmt.Sprintf("When the %s was connected (RFC 3339).", k.noun)
}

func (k *kind) descSync() string {
	return "The analysis of the " + k.noun + " by Cloud Entitlements, read-only: `state` is `pending`, `running`, " +
		"`succeeded` or `failed`; `last_run_at` is the end of the last run (RFC 3339, null before the first one); " +
		"`next_run_at` is when the next one starts (every 15 minutes; null while inactive); `reason`, when the last " +
		"run failed, is `invalid_credentials` (the secret no longer works: rotate it), `missing_permissions`, " +
		"`missing_role` or `internal`, and null otherwise; `message` is what the last run reported."
}
