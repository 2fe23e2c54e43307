package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/validators"
)

var (
	_ resource.ResourceWithConfigure   = &connectionResource{}
	_ resource.ResourceWithImportState = &connectionResource{}
	_ resource.ResourceWithModifyPlan  = &connectionResource{}
	_ resource.ResourceWithIdentity    = &connectionResource{}
)

// Default timeouts of the operations. Reads, imports and data sources have no timeouts
// block; defaultReadTimeout bounds them, retries included.
const (
	defaultCreateTimeout = 15 * time.Minute
	defaultUpdateTimeout = 15 * time.Minute
	defaultDeleteTimeout = 5 * time.Minute
	defaultReadTimeout   = 5 * time.Minute
)

// durationText writes d as a configuration would: 15m, not 15m0s.
func durationText(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// NewAzureTenantResource is the segura_azure_tenant resource.
func NewAzureTenantResource() resource.Resource { return &connectionResource{kind: &azureTenant} }

// NewAWSAccountResource is the segura_aws_account resource.
func NewAWSAccountResource() resource.Resource { return &connectionResource{kind: &awsAccount} }

// connectionResource is the resource of a kind of connection.
type connectionResource struct {
	kind *kind
	data *providerData
}

func (r *connectionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + r.kind.typeName
}

func (r *connectionResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	k := r.kind
	attrs := k.attributes()
	attrs["id"] = schema.StringAttribute{
		MarkdownDescription: k.texts.id,
		Computed:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
	attrs["name"] = schema.StringAttribute{
		MarkdownDescription: descName + " Changes in place.",
		Required:            true,
		Validators:          []validator.String{validators.Text(client.NameMaxLength)},
	}
	attrs["tags"] = schema.SetAttribute{
		MarkdownDescription: descTags + " Unset and empty both mean no tags. Changes in place.",
		ElementType:         types.StringType,
		Optional:            true,
		Computed:            true,
		Default:             setdefault.StaticValue(types.SetValueMust(types.StringType, nil)),
		Validators: []validator.Set{
			setvalidator.SizeAtMost(client.TagsMax),
			setvalidator.ValueStringsAre(validators.Tag(client.TagMaxLength)),
		},
	}
	attrs["status"] = schema.StringAttribute{
		MarkdownDescription: descStatus + " Defaults to `active`. Changes in place.",
		Optional:            true,
		Computed:            true,
		Default:             stringdefault.StaticString(client.StatusActive),
		Validators:          []validator.String{validators.OneOf(client.StatusActive, client.StatusInactive)},
	}
	attrs["connected_at"] = schema.StringAttribute{
		MarkdownDescription: k.descConnectedAt(),
		CustomType:          timetypes.RFC3339Type{},
		Computed:            true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
	}
	// An object attribute, not a nested one: Terraform 1.5 to 1.7 crash generating the
	// configuration of a resource with a computed-only nested attribute (`plan
	// -generate-config-out`). The stored value has the same shape either way.
	attrs["synchronization"] = schema.ObjectAttribute{
		MarkdownDescription: k.descSync() + " An update keeps it as it was unless it restarts synchronization: " +
			k.texts.restarts + "; the next refresh reads it anew.",
		Computed:       true,
		AttributeTypes: synchronizationAttrTypes,
		PlanModifiers:  []planmodifier.Object{keepSynchronization{kind: k}},
	}
	waits := "retries and " + k.propagation.words + " included"
	resp.Schema = schema.Schema{
		MarkdownDescription: k.texts.resource,
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{
				Create: true, Update: true, Delete: true,
				CreateDescription: fmt.Sprintf("How long a create may take, %s, as a "+
					"duration such as `20m`. Defaults to `%s`.", waits, durationText(defaultCreateTimeout)),
				UpdateDescription: fmt.Sprintf("How long an update may take, %s. "+
					"Defaults to `%s`.", waits, durationText(defaultUpdateTimeout)),
				DeleteDescription: fmt.Sprintf("How long a disconnection may take, retries included. Defaults to `%s`. "+
					"Reads have no setting: each is bounded by %s.", durationText(defaultDeleteTimeout), durationText(defaultReadTimeout)),
			}),
		},
		Attributes: attrs,
	}
}

// IdentitySchema: a connection is identified by its key, in lowercase. Import blocks may name
// it (identity = { tenant_id = "..." }, Terraform 1.12 and later), in any letter case.
func (r *connectionResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			r.kind.key: identityschema.StringAttribute{RequiredForImport: true, Description: r.kind.texts.identity},
		},
	}
}

// setIdentity records the identity of the connection of key, when the CLI keeps identities
// (Terraform 1.12 and later).
func (k *kind) setIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, key string) diag.Diagnostics {
	if identity == nil {
		return nil
	}
	return identity.SetAttribute(ctx, path.Root(k.key), lower(key))
}

func (r *connectionResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}

// secretOf is the secret to send: the secret attribute, or the write-only one from the
// configuration, since write-only values are never in the plan.
func (k *kind) secretOf(ctx context.Context, config tfsdk.Config, plan values, diags *diag.Diagnostics) string {
	if !plan.null(k.secret) {
		return plan.text(k.secret)
	}
	var wo types.String
	diags.Append(config.GetAttribute(ctx, path.Root(k.secretWO), &wo)...)
	return wo.ValueString()
}

// secretChanged reports whether the plan brings a new secret: the secret differs, or its
// write-only version does (including a switch from one attribute to the other).
func (k *kind) secretChanged(state, plan values) bool {
	return !same(plan[k.secret], state[k.secret]) || !same(plan[k.secretVersion], state[k.secretVersion])
}

// written sets the state to plan with what Segura answered, and the identity.
func (r *connectionResource) written(ctx context.Context, state *tfsdk.State, identity *tfsdk.ResourceIdentity,
	plan values, got wire, diags *diag.Diagnostics) {
	v, d := r.kind.connection(ctx, got)
	diags.Append(d...)
	for name, value := range v {
		plan[name] = value
	}
	obj, d := objectOf(ctx, state.Schema.Type(), plan)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	diags.Append(state.Set(ctx, obj)...)
	diags.Append(r.kind.setIdentity(ctx, identity, got.Key())...)
}

func (r *connectionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	k := r.kind
	plan, diags := valuesOf(ctx, req.Plan.Schema.Type(), req.Plan.Raw)
	resp.Diagnostics.Append(diags...)
	secret := k.secretOf(ctx, req.Config, plan, &resp.Diagnostics)
	defer maskDiagnostics(&resp.Diagnostics, append(r.data.secrets(), secret)...)
	c := r.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	var t timeouts.Value
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("timeouts"), &t)...)
	timeout, diags := t.Create(ctx, defaultCreateTimeout)
	resp.Diagnostics.Append(diags...)
	tags, diags := tagsOf(ctx, plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	key := plan.text(k.key) // "" for a kind whose key Segura reads from the credential
	body := k.createBody(plan, sharedFields{name: plan.text("name"), tags: tags, status: plan.text("status")}, secret)
	if key != "" {
		r.data.readsOf(k).writing(key)
	}
	var created wire
	err := r.verified(ctx, &resp.Diagnostics, plan, secret, func(ctx context.Context) (err error) {
		created, err = k.calls.create(ctx, c, body, key)
		return err
	})
	if err != nil {
		addOperationError(&resp.Diagnostics, k.act("connect", key), err)
		return
	}
	r.data.readsOf(k).writing(created.Key())
	r.written(ctx, &resp.State, resp.Identity, plan, created, &resp.Diagnostics)
}

// verified runs call, which sends credentials to Segura, after the kind's pre-flight check of
// those credentials, both retried while the cloud propagates them. When the cloud cannot be
// reached, it warns once and lets Segura's own verification decide.
func (r *connectionResource) verified(ctx context.Context, diags *diag.Diagnostics, plan values, secret string,
	call func(context.Context) error) error {
	k := r.kind
	warned := false
	return k.propagation.until(ctx, r.data.clock, r.data.propagationFor(k), func(ctx context.Context) error {
		// Without a secret in the configuration (an imported connection whose settings change),
		// Segura verifies the secret it holds: there is nothing to sign in with here.
		if secret != "" {
			verdict, unreachable := k.preflight(ctx, r.data, plan, secret)
			switch {
			case verdict != nil:
				return verdict
			case unreachable != nil && !warned:
				warned = true
				diags.AddWarning(k.skipped(unreachable))
			}
		}
		return call(ctx)
	})
}

// briefError is the first line of err's text, at most 300 characters: the cloud SDKs' errors
// run to many lines of request and response dumps.
func briefError(err error) string {
	text, _, _ := strings.Cut(strings.TrimSpace(err.Error()), "\n")
	if len(text) > 300 {
		text = text[:300] + "..."
	}
	return strings.TrimSpace(text)
}

func (r *connectionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	k := r.kind
	state, diags := valuesOf(ctx, req.State.Schema.Type(), req.State.Raw)
	resp.Diagnostics.Append(diags...)
	defer maskDiagnostics(&resp.Diagnostics, append(r.data.secrets(), state.text(k.secret))...)
	c := r.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, defaultReadTimeout)
	defer cancel()
	key := state.text(k.key)
	got, err := r.data.readsOf(k).get(ctx, c, key)
	if client.IsNotFound(err) {
		resp.Diagnostics.AddWarning(k.what+" connection no longer exists",
			fmt.Sprintf("The connection of %s %s was deleted outside Terraform; it is removed from state "+
				"and the next apply connects it again.", k.what, key))
		// The framework wants an identity after every read that succeeds, this one included, and
		// CLIs older than 1.12 keep none to carry over.
		resp.Diagnostics.Append(k.setIdentity(ctx, resp.Identity, key)...)
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, k.act("read", key), err)
		return
	}
	if sync := got.Shared().Synchronization; sync.State == client.SyncFailed {
		summary, detail := syncFailure(k.what, got.Key(), sync, k.syncFixes(got))
		resp.Diagnostics.AddWarning(summary, detail)
	}
	r.written(ctx, &resp.State, resp.Identity, state, got, &resp.Diagnostics)
}

func (r *connectionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	k := r.kind
	plan, diags := valuesOf(ctx, req.Plan.Schema.Type(), req.Plan.Raw)
	resp.Diagnostics.Append(diags...)
	state, diags := valuesOf(ctx, req.State.Schema.Type(), req.State.Raw)
	resp.Diagnostics.Append(diags...)
	secret := k.secretOf(ctx, req.Config, plan, &resp.Diagnostics)
	defer maskDiagnostics(&resp.Diagnostics, append(r.data.secrets(), secret, state.text(k.secret))...)
	c := r.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	var t timeouts.Value
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("timeouts"), &t)...)
	timeout, diags := t.Update(ctx, defaultUpdateTimeout)
	resp.Diagnostics.Append(diags...)
	body, verify, empty, diags := k.patch(ctx, state, plan, secret)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	key := state.text(k.key)
	r.data.readsOf(k).writing(key)
	var got wire
	var err error
	switch {
	case empty:
		// Only letter case changed: nothing to send, the state takes the new spelling.
		got, err = k.calls.get(ctx, c, key)
	case verify:
		// New credentials or settings are verified, and may meet the cloud's propagation.
		err = r.verified(ctx, &resp.Diagnostics, plan, secret, func(ctx context.Context) (err error) {
			got, err = k.calls.update(ctx, c, key, body)
			return err
		})
	default:
		got, err = k.calls.update(ctx, c, key, body)
	}
	if err != nil {
		addOperationError(&resp.Diagnostics, k.act("update", key), err)
		return
	}
	planned := plan["synchronization"]
	v, diags := k.connection(ctx, got)
	resp.Diagnostics.Append(diags...)
	if !planned.IsUnknown() {
		v["synchronization"] = planned // as planned: this update did not restart it (keepSynchronization)
	}
	for name, value := range v {
		plan[name] = value
	}
	obj, diags := objectOf(ctx, resp.State.Schema.Type(), plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, obj)...)
	resp.Diagnostics.Append(k.setIdentity(ctx, resp.Identity, got.Key())...)
}

// patch is the PATCH that takes the connection from state to plan: only what differs, and the
// secret whenever it changes (and whenever the kind says so).
func (k *kind) patch(ctx context.Context, state, plan values, secret string) (body any, verify, empty bool, diags diag.Diagnostics) {
	var shared sharedChanges
	if !same(plan["name"], state["name"]) {
		name := plan.text("name")
		shared.name = &name
	}
	if !same(plan["status"], state["status"]) {
		status := plan.text("status")
		shared.status = &status
	}
	if !same(plan["tags"], state["tags"]) {
		tags, d := tagsOf(ctx, plan)
		diags.Append(d...)
		shared.tags = &tags
	}
	body, verify, empty = k.changes(state, plan, shared, k.secretChanged(state, plan), secret)
	return body, verify, empty, diags
}

func (r *connectionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	k := r.kind
	state, diags := valuesOf(ctx, req.State.Schema.Type(), req.State.Raw)
	resp.Diagnostics.Append(diags...)
	defer maskDiagnostics(&resp.Diagnostics, append(r.data.secrets(), state.text(k.secret))...)
	c := r.data.apiClient(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	var t timeouts.Value
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("timeouts"), &t)...)
	timeout, diags := t.Delete(ctx, defaultDeleteTimeout)
	resp.Diagnostics.Append(diags...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	key := state.text(k.key)
	r.data.readsOf(k).writing(key)
	err := k.calls.delete(ctx, c, key)
	if err != nil && !client.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, k.act("disconnect", key), err)
	}
}

// ImportState takes the connection's key, as the import ID or the identity's key attribute,
// in any letter case.
func (r *connectionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	k := r.kind
	key, what := req.ID, "import ID"
	if key == "" && req.Identity != nil {
		var fromIdentity types.String
		resp.Diagnostics.Append(req.Identity.GetAttribute(ctx, path.Root(k.key), &fromIdentity)...)
		key, what = fromIdentity.ValueString(), "identity "+k.key
	}
	if why := k.badImportID(key); why != "" {
		resp.Diagnostics.AddError("Invalid "+what, why)
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), key)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(k.key), k.keyValue(key))...)
	resp.Diagnostics.Append(k.setIdentity(ctx, resp.Identity, key)...)
}

// ModifyPlan refuses a create without a secret (an existing connection, imported, can be
// managed without one: Segura keeps the secret it verified), the create of a connection that
// already exists (checkNotConnected), and what the kind refuses of an update.
func (r *connectionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	k := r.kind
	if changes := req.State.Raw.IsNull() || req.Plan.Raw.IsNull() || !req.Plan.Raw.Equal(req.State.Raw); changes && r.data != nil {
		// The apply of this change will call the API: a missing setting fails the plan, so that a
		// pipeline without credentials does not pass its plan and fail its apply.
		r.data.reportMissingSettings(&resp.Diagnostics)
	}
	if req.Plan.Raw.IsNull() || resp.Diagnostics.HasError() {
		return
	}
	// The conflict check calls the API, as the other operations do, and is masked as they are.
	defer maskDiagnostics(&resp.Diagnostics, r.data.secrets()...)
	if req.State.Raw.IsNull() {
		var secret, wo types.String
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(k.secret), &secret)...)
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(k.secretWO), &wo)...)
		if secret.IsNull() && wo.IsNull() && !resp.Diagnostics.HasError() {
			resp.Diagnostics.AddAttributeError(path.Root(k.secret), k.texts.missingSecret[0], k.texts.missingSecret[1])
		}
	}
	plan, diags := valuesOf(ctx, req.Plan.Schema.Type(), req.Plan.Raw)
	resp.Diagnostics.Append(diags...)
	state := values{}
	if !req.State.Raw.IsNull() {
		state, diags = valuesOf(ctx, req.State.Schema.Type(), req.State.Raw)
		resp.Diagnostics.Append(diags...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.text("status") == client.StatusInactive && state.text("status") != client.StatusInactive {
		resp.Diagnostics.AddAttributeWarning(path.Root("status"), "An inactive connection leaves the report",
			fmt.Sprintf("%s %s will be inactive: Segura stops synchronizing it, and its identities and "+
				"recommendations leave Cloud Entitlements' report until it is active again.", k.what, plan.text(k.key)))
	}
	if req.State.Raw.IsNull() || !same(plan[k.key], state[k.key]) {
		r.checkNotConnected(ctx, plan, &resp.Diagnostics) // a create, or the create of a replacement
		r.warnRefusedNow(ctx, req.Config, plan, &resp.Diagnostics)
		return
	}
	if plan.unknown(k.secret) || plan.unknown(k.secretVersion) {
		return
	}
	if k.checkPlan != nil {
		k.checkPlan(state, plan, k.secretChanged(state, plan), &resp.Diagnostics)
	}
	if k.secretChanged(state, plan) && !resp.Diagnostics.HasError() {
		r.warnRefusedNow(ctx, req.Config, plan, &resp.Diagnostics)
	}
}
