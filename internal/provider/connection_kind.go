package provider

import (
	"context"
	"iter"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/uuidtype"
)

// A kind of connection (an Azure tenant; an AWS account next) is a description: its names and
// words, its key, its secret attributes, its own attributes and their mapping both ways, its
// pre-flight, its propagation rule and its advice. The core (connection_*.go) builds from it
// the resource, the list resource, both data sources and the reprocess action, and gives every
// kind the same create, reads, plan-time check, diagnostics and masking (DESIGN.md, "Kinds").
type kind struct {
	// typeName follows the provider's name: azure_tenant is segura_azure_tenant; the plural
	// data source is typeName+"s", the action typeName+"_reprocess".
	typeName string
	// what names one connection in messages ("Azure tenant"), whats several ("Azure
	// tenants"); noun is what the key is of ("tenant"), nouns its plural.
	what, whats, noun, nouns string
	// key is the attribute that names a connection (tenant_id); keyValue makes its value.
	key      string
	keyValue func(string) attr.Value
	// keyText describes the key where a configuration gives it (a data source, the action).
	keyText       string
	keyValidators []validator.String
	// keyInRefusal finds the key in the message of a refusal of a create whose key was not
	// known (one that Segura reads from the credential); nil when the key is always known.
	keyInRefusal func(message string) string
	// badImportID says why id cannot be imported, or "".
	badImportID func(id string) string
	// secret, secretWO and secretVersion are the secret's attributes in both styles.
	secret, secretWO, secretVersion string
	calls                           collection

	// Texts of the schemas: the kind's words.
	texts kindTexts
	// attributes are the resource's own attributes of the kind, its key and secrets included;
	// dataAttributes are the same as data sources show them (never a secret).
	attributes     func() map[string]schema.Attribute
	dataAttributes func() map[string]dsschema.Attribute
	// filters are the kind's own filters of a list (integration_mode).
	filters []listFilter

	// fromAPI maps the kind's own fields of a connection to its attributes.
	fromAPI func(w wire) values
	// settings are the kind's configurable attributes besides the shared ones and secrets,
	// compared by the plan-time check; restarts are those whose change restarts
	// synchronization (a new secret or status always does).
	settings, restarts []string
	// createBody is the body of a create of plan; changes is the PATCH from state to plan
	// (shared holds the shared fields that changed; sendSecret, whether the secret changed),
	// whether it must be verified (pre-flight and propagation) and whether it is empty.
	createBody func(plan values, shared sharedFields, secret string) any
	changes    func(state, plan values, shared sharedChanges, sendSecret bool, secret string) (body any, verify, empty bool)
	// checkPlan adds the kind's own checks of an update's plan.
	checkPlan func(state, plan values, secretChanged bool, diags *diag.Diagnostics)

	// preflight checks credentials in the cloud before they are sent: verdict is a refusal,
	// unreachable an error that says nothing of them. skipped words the warning for the latter.
	preflight func(ctx context.Context, d *providerData, v values, secret string) (verdict, unreachable error)
	skipped   func(err error) (summary, detail string)
	// warnAtPlan: a plan that sends a known credential runs the pre-flight once and warns of
	// a refusal (warnRefusedNow).
	warnAtPlan  bool
	propagation propagationRule
	// syncFixes is the advice for a failed synchronization of w.
	syncFixes func(w wire) syncFixes
	// codeAlreadyConnected is the code of Segura's refusal of a second connection of a key.
	codeAlreadyConnected string
	// explainVerdict adds the diagnostics of the kind's own refusals (secret in use, the
	// cloud's verdict); false for a code that is not the kind's.
	explainVerdict func(diags *diag.Diagnostics, a action, apiErr *client.APIError, ref string) bool
	// explainPreflight explains a pre-flight verdict of the kind; ok is false for another error.
	explainPreflight func(err error) (field, summary, detail string, ok bool)
}

// kindTexts are the descriptions of a kind's schemas, in its words.
type kindTexts struct {
	resource, dataSource, plural, items, list, identity, id, exclude string
	// restarts says what restarts synchronization, for the synchronization attribute.
	restarts string
	// missingSecret is the summary and detail of a create without a secret.
	missingSecret [2]string
}

// kinds are the kinds of connection of the provider; set by init, since the kinds' own
// diagnostics look through them.
var kinds []*kind

func init() { kinds = []*kind{&azureTenant, &awsAccount} }

// act is what a diagnostic says was attempted on the connection of key ("" for several).
func (k *kind) act(verb, key string) action {
	if key == "" {
		return action{verb + " " + k.whats, ""}
	}
	return action{verb + " " + k.what, key}
}

// listFilter is a kind's own filter of a list: an attribute sent as a query parameter.
type listFilter struct {
	name, description string
	validators        []validator.String
}

// wire is a connection of any kind as the client answers it.
type wire interface {
	Key() string
	Shared() *client.Connection
}

// collection is a kind's calls of the client, with its type erased.
type collection interface {
	create(ctx context.Context, c *client.Client, body any, wantKey string) (wire, error)
	get(ctx context.Context, c *client.Client, key string) (wire, error)
	update(ctx context.Context, c *client.Client, key string, body any) (wire, error)
	reprocess(ctx context.Context, c *client.Client, key string) (wire, error)
	delete(ctx context.Context, c *client.Client, key string) error
	all(ctx context.Context, c *client.Client, in client.ListInput) iter.Seq2[wire, error]
	// reads serves the reads of one provider process from one listing (connection_reads.go).
	reads() reads
}

// callsOf is the collection of a client.Collection.
type callsOf[T any, P client.Object[T]] struct{ col client.Collection[T, P] }

func (k callsOf[T, P]) create(ctx context.Context, c *client.Client, body any, wantKey string) (wire, error) {
	return erased[T, P](k.col.Create(ctx, c, body, wantKey))
}

func (k callsOf[T, P]) get(ctx context.Context, c *client.Client, key string) (wire, error) {
	return erased[T, P](k.col.Get(ctx, c, key))
}

func (k callsOf[T, P]) update(ctx context.Context, c *client.Client, key string, body any) (wire, error) {
	return erased[T, P](k.col.Update(ctx, c, key, body))
}

func (k callsOf[T, P]) reprocess(ctx context.Context, c *client.Client, key string) (wire, error) {
	return erased[T, P](k.col.Reprocess(ctx, c, key))
}

func (k callsOf[T, P]) delete(ctx context.Context, c *client.Client, key string) error {
	return k.col.Delete(ctx, c, key)
}

func (k callsOf[T, P]) all(ctx context.Context, c *client.Client, in client.ListInput) iter.Seq2[wire, error] {
	return func(yield func(wire, error) bool) {
		for t, err := range k.col.All(ctx, c, in) {
			if !yield(P(&t), err) {
				return
			}
		}
	}
}

func (k callsOf[T, P]) reads() reads { return &erasedReads[T, P]{r: connectionReads[T, P]{col: k.col}} }

// erased is the answer of a call as a wire, and a nil interface for none.
func erased[T any, P client.Object[T]](t *T, err error) (wire, error) {
	if err != nil {
		return nil, err
	}
	return P(t), nil
}

// values are a connection's attributes by name, as the framework holds them.
type values map[string]attr.Value

// text is the value of a string attribute, "" when null or unknown.
func (v values) text(name string) string {
	if s, ok := v[name].(interface{ ValueString() string }); ok {
		return s.ValueString()
	}
	return ""
}

// unknown reports whether the attribute is unknown.
func (v values) unknown(name string) bool { return v[name] != nil && v[name].IsUnknown() }

// null reports whether the attribute is null or absent.
func (v values) null(name string) bool { return v[name] == nil || v[name].IsNull() }

// same reports whether two values of an attribute are the same setting: a UUID in any letter
// case, anything else equal.
func same(a, b attr.Value) bool {
	if u, ok := a.(uuidtype.Value); ok {
		o, ok := b.(uuidtype.Value)
		return ok && u.EqualFold(o)
	}
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(b)
}

// valuesOf reads an object of the framework (a plan, state or configuration) as values.
func valuesOf(ctx context.Context, typ attr.Type, raw tftypes.Value) (values, diag.Diagnostics) {
	var diags diag.Diagnostics
	v, err := typ.ValueFromTerraform(ctx, raw)
	if err != nil {
		diags.AddError("Unreadable value", err.Error())
		return nil, diags
	}
	obj, ok := v.(types.Object)
	if !ok || obj.IsNull() {
		return values{}, diags
	}
	return obj.Attributes(), diags
}

// objectOf is the object of typ with the attributes of v; those that v lacks are null.
func objectOf(ctx context.Context, typ attr.Type, v values) (types.Object, diag.Diagnostics) {
	var diags diag.Diagnostics
	types_ := typ.(attr.TypeWithAttributeTypes).AttributeTypes()
	attrs := make(map[string]attr.Value, len(types_))
	for name, t := range types_ {
		if got, ok := v[name]; ok {
			attrs[name] = got
			continue
		}
		null, err := t.ValueFromTerraform(ctx, tftypes.NewValue(t.TerraformType(ctx), nil))
		if err != nil {
			diags.AddError("Unreadable value", err.Error())
			continue
		}
		attrs[name] = null
	}
	obj, d := types.ObjectValue(types_, attrs)
	diags.Append(d...)
	return obj, diags
}

// sharedFields are the shared settings of a create.
type sharedFields struct {
	name   string
	tags   []string
	status string
}

// sharedChanges are the shared settings that a PATCH changes; nil is unchanged.
type sharedChanges struct {
	name, status *string
	tags         *[]string
}

// lower is a key as state and identity keep it.
func lower(key string) string { return strings.ToLower(key) }
