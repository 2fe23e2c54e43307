package provider

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/segura/terraform-provider-segura/internal/aws"
	"github.com/segura/terraform-provider-segura/internal/client"
)

// The AWS account kind: segura_aws_account, its data sources, list resource and reprocess
// action, described for the core (connection_kind.go). Its key, the account ID, is read by
// Segura from the access key: unknown at plan unless the configuration sets it.

// DefaultAWSPropagationTimeout is how long a key that STS does not know yet is waited for:
// AWS keys propagate in seconds.
const DefaultAWSPropagationTimeout = 30 * time.Second

var (
	awsAccountIDRE = regexp.MustCompile(`^[0-9]{12}$`)
	awsKeyIDRE     = regexp.MustCompile(`^AKIA[A-Z0-9]{16}$`)
	// awsAccountInText finds the account ID that a refusal's message names.
	awsAccountInText = regexp.MustCompile(`\b[0-9]{12}\b`)
)

var awsAccountIDValidators = []validator.String{
	stringvalidator.RegexMatches(awsAccountIDRE, "must be an AWS account ID: 12 digits"),
}

var awsAccount = kind{
	typeName: "aws_account", what: "AWS account", whats: "AWS accounts", noun: "account", nouns: "accounts",
	key:           "account_id",
	keyValue:      func(key string) attr.Value { return types.StringValue(key) },
	keyText:       "ID of the connected AWS account, 12 digits.",
	keyValidators: awsAccountIDValidators,
	keyInRefusal:  func(msg string) string { return awsAccountInText.FindString(msg) },
	badImportID: func(id string) string {
		if awsAccountIDRE.MatchString(id) {
			return ""
		}
		return fmt.Sprintf("%q is not an AWS account ID. Import a segura_aws_account by the 12-digit ID of its "+
			"account, such as 111122223333.", id)
	},
	secret: "secret_access_key", secretWO: "secret_access_key_wo", secretVersion: "secret_access_key_wo_version",
	calls: callsOf[client.AWSAccount, *client.AWSAccount]{client.AWSAccounts},
	texts: kindTexts{
		resource: "Connects an AWS account to Segura Cloud Entitlements, as *Setup > Amazon Web Services > Connect* " +
			"does, with an access key of an IAM user that has `IAMReadOnlyAccess`. Segura reads the account from the " +
			"key. Destroying it disconnects the account. Import it by AWS account ID.",
		dataSource: "One AWS account connection of Cloud Entitlements, by account ID. It fails when the account " +
			"is not connected. The secret access key is never returned.",
		plural: "Every AWS account connection of Cloud Entitlements that matches the filters, following " +
			"the API's pages to the end. Useful to find connections made by hand and import them all.",
		items: "The connections, sorted by account ID, with the attributes of `segura_aws_account` " +
			"(never the secret).",
		list: "Finds the AWS account connections of Cloud Entitlements, for `terraform query` " +
			"(Terraform 1.14 and later). Each result is named after the connection and identified by its account ID; " +
			"`terraform query -generate-config-out=FILE` writes an import block and a `segura_aws_account` block for " +
			"each, which plan with no edits: an imported connection needs no secret.",
		identity: "ID of the AWS account, 12 digits.",
		id:       "The AWS account ID; also the import ID.",
		exclude: "Leaves out the connections of these AWS account IDs. Give it the account IDs that Terraform " +
			"already manages, so that a query finds only the connections made elsewhere.",
		restarts: "a new access key or status",
		missingSecret: [2]string{"Missing secret access key",
			"Connecting an AWS account needs the secret access key of access_key_id, in exactly one of:\n\n" +
				"  - secret_access_key_wo, with secret_access_key_wo_version: write-only, never stored in state or " +
				"plan (Terraform or OpenTofu 1.11 and later);\n" +
				"  - secret_access_key: any version, kept in state as a sensitive value.\n\n" +
				"A connection that already exists, imported into state, can be managed without it."},
	},
	attributes:     awsAttributes,
	dataAttributes: awsDataAttributes,
	fromAPI: func(w wire) values {
		a := w.(*client.AWSAccount)
		return values{"account_id": types.StringValue(a.AccountID), "access_key_id": types.StringValue(a.AccessKeyID)}
	},
	settings: []string{"access_key_id"},
	restarts: []string{"access_key_id"},
	createBody: func(plan values, shared sharedFields, secret string) any {
		return client.CreateAWSAccountInput{Name: shared.name, AccessKeyID: plan.text("access_key_id"),
			SecretAccessKey: secret, Tags: shared.tags, Status: shared.status}
	},
	changes:              awsChanges,
	checkPlan:            awsCheckPlan,
	preflight:            awsPreflight,
	skipped:              awsPreflightSkipped,
	warnAtPlan:           true,
	codeAlreadyConnected: client.CodeAlreadyConnected,
	propagation: propagationRule{
		reason: awsPropagationReason, window: DefaultAWSPropagationTimeout, words: "AWS key propagation",
		service: "AWS STS", cloud: "AWS",
		why:      "An access key made in the last seconds takes a while to reach every STS server",
		settings: "propagation_timeout",
	},
	syncFixes: func(wire) syncFixes {
		return syncFixes{
			credentials: "Rotate the access key: create a new access key for the IAM user, set access_key_id and " +
				"secret_access_key (or secret_access_key_wo with a higher secret_access_key_wo_version) to it, and apply.",
			permissions: awsAttachAdvice,
			roles:       awsAttachAdvice,
		}
	},
	explainVerdict:   awsExplainVerdict,
	explainPreflight: awsExplainPreflight,
}

const awsAttachAdvice = "Attach the AWS managed policy " + aws.RequiredPolicy + " (" + aws.RequiredPolicyARN + ") to the " +
	"key's IAM user, directly (with the aws provider: aws_iam_user_policy_attachment) or through one of its groups " +
	"(aws_iam_group_policy_attachment)."

func awsAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"account_id": schema.StringAttribute{
			MarkdownDescription: "ID of the AWS account, 12 digits. Segura reads it from the access key; set it to have " +
				"the plan check that the account is not connected yet, and the apply refuse a key of another account. " +
				"Changing it replaces the connection.",
			Optional:   true,
			Computed:   true,
			Validators: awsAccountIDValidators,
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(),
				stringplanmodifier.RequiresReplaceIfConfigured()},
		},
		"access_key_id": schema.StringAttribute{
			MarkdownDescription: "Access key ID of an IAM user of the account: `AKIA` and 16 upper-case letters or " +
				"digits. Only one connection may use a key. Changing it rotates the key in place, with its secret.",
			Required:   true,
			Validators: []validator.String{stringvalidator.RegexMatches(awsKeyIDRE, "must be AKIA and 16 upper-case letters or digits")},
		},
		"secret_access_key": schema.StringAttribute{
			MarkdownDescription: "Secret access key of `access_key_id`, 40 characters. Sent on create and whenever it " +
				"or the key changes; never read back, so Terraform keeps it in state, marked sensitive. Creating a " +
				"connection needs exactly one of `secret_access_key` and `secret_access_key_wo`; prefer the latter with " +
				"Terraform or OpenTofu 1.11 and later.",
			Optional:   true,
			Sensitive:  true,
			Validators: []validator.String{stringvalidator.LengthBetween(40, 40)},
		},
		"secret_access_key_wo": schema.StringAttribute{
			MarkdownDescription: "Secret access key of `access_key_id`, write-only: sent to Segura but never stored in " +
				"state or plan. Needs Terraform or OpenTofu 1.11 and later, and `secret_access_key_wo_version`.",
			Optional:  true,
			Sensitive: true,
			WriteOnly: true,
			Validators: []validator.String{
				stringvalidator.LengthBetween(40, 40),
				stringvalidator.ConflictsWith(path.MatchRoot("secret_access_key")),
				stringvalidator.AlsoRequires(path.MatchRoot("secret_access_key_wo_version")),
			},
		},
		"secret_access_key_wo_version": schema.Int64Attribute{
			MarkdownDescription: "Version of `secret_access_key_wo`, required with it: change it whenever " +
				"`secret_access_key_wo` changes, so that the new secret is sent in place.",
			Optional:   true,
			Validators: []validator.Int64{int64validator.ConflictsWith(path.MatchRoot("secret_access_key"))},
		},
	}
}

func awsDataAttributes() map[string]dsschema.Attribute {
	return map[string]dsschema.Attribute{
		"account_id":    dsschema.StringAttribute{Computed: true, MarkdownDescription: "ID of the AWS account, 12 digits."},
		"access_key_id": dsschema.StringAttribute{Computed: true, MarkdownDescription: "Access key ID the connection uses."},
	}
}

// awsChanges sends the key pair whenever either changes: a secret belongs to its key.
func awsChanges(state, plan values, shared sharedChanges, sendSecret bool, secret string) (any, bool, bool) {
	in := client.UpdateAWSAccountInput{Name: shared.name, Status: shared.status, Tags: shared.tags}
	if sendSecret || !same(plan["access_key_id"], state["access_key_id"]) {
		key := plan.text("access_key_id")
		in.AccessKeyID, in.SecretAccessKey = &key, &secret
	}
	return in, in.SecretAccessKey != nil, in == (client.UpdateAWSAccountInput{})
}

// awsCheckPlan refuses a new access_key_id without a new secret, which Segura would refuse.
func awsCheckPlan(state, plan values, secretChanged bool, diags *diag.Diagnostics) {
	if plan.unknown("access_key_id") || same(plan["access_key_id"], state["access_key_id"]) || secretChanged {
		return
	}
	how := "set secret_access_key to the new key's secret"
	if plan.null("secret_access_key") {
		how = "put the new key's secret in secret_access_key_wo and change secret_access_key_wo_version"
	}
	diags.AddAttributeError(path.Root("access_key_id"), "New access key without its secret",
		fmt.Sprintf("access_key_id changes from %s to %s, but the secret stays the same, and a secret access key "+
			"belongs to one access key: Segura would refuse it. In the same change, %s.",
			state.text("access_key_id"), plan.text("access_key_id"), how))
}

// awsOtherAccount is the pre-flight's finding that the key is of another account than the
// configuration's account_id.
type awsOtherAccount struct{ want, got string }

func (e *awsOtherAccount) Error() string {
	return "the access key is of AWS account " + e.got + ", not " + e.want
}

// awsPreflight asks STS whose key this is and IAM whether its user has IAMReadOnlyAccess.
func awsPreflight(ctx context.Context, d *providerData, v values, secret string) (verdict, unreachable error) {
	if d.awsPreflight == nil {
		return nil, nil
	}
	account, err := d.awsPreflight.Check(ctx, v.text("access_key_id"), secret)
	if want := v.text("account_id"); account != "" && want != "" && account != want {
		return &awsOtherAccount{want: want, got: account}, nil
	}
	if f, ok := errors.AsType[*aws.Failure](err); ok {
		return f, nil
	}
	return nil, err
}

func awsPreflightSkipped(err error) (summary, detail string) {
	return "AWS pre-flight check skipped",
		fmt.Sprintf("AWS STS or IAM could not be asked about the access key before connecting. Segura verifies it "+
			"anyway.\n\nThe error: %s\n\nSet AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL_IAM if AWS is reached through "+
			"other endpoints, or aws_preflight = false to skip this check.", briefError(err))
}

// awsPropagationReason: only a key that STS does not know may still be propagating, whether
// the pre-flight or Segura says so; a wrong secret or a missing policy stays as it is.
func awsPropagationReason(err error) string {
	if f, ok := errors.AsType[*aws.Failure](err); ok {
		if f.CanPropagate() {
			return f.Code
		}
		return ""
	}
	apiErr, ok := client.AsAPIError(err)
	if !ok || apiErr.Code != client.CodeAWSConnectionFailed || len(apiErr.Details) == 0 {
		return ""
	}
	for _, d := range apiErr.Details {
		if d.Reason != client.ReasonInvalidAccessKey || d.Field == client.FieldSecretAccessKey {
			return ""
		}
	}
	return client.ReasonInvalidAccessKey
}

// awsExplainVerdict explains the AWS account's own refusals: a key in use, a key of another
// account, and AWS's verdict.
func awsExplainVerdict(diags *diag.Diagnostics, _ action, apiErr *client.APIError, ref string) bool {
	switch apiErr.Code {
	case client.CodeCredentialInUse:
		addAttributeError(diags, client.FieldAccessKeyID, "Access key already in use",
			"This access key already belongs to another connected AWS account. Each connection needs a key of its own "+
				"account: create an access key for an IAM user of this account and use it."+ref)
	case client.CodeAWSConnectionFailed:
		for _, d := range apiErr.Details {
			field, summary, detail := explainAWSFailure(d.Field, d.Reason, d.Message, d.Missing, "")
			addAttributeError(diags, field, summary, detail+ref)
		}
		if len(apiErr.Details) == 0 {
			diags.AddError("AWS rejected the connection", apiErr.Message+ref)
		}
	case client.CodeValidationFailed:
		for _, d := range apiErr.Details {
			if d.Reason == client.ReasonOtherAccount {
				addAttributeError(diags, client.FieldAccessKeyID, "Access key of another AWS account",
					"Segura refused the new access key: it belongs to another AWS account than this connection's "+
						"("+d.Message+"). A connection keeps its account: use a key of an IAM user of account_id, or "+
						"connect the other account with a segura_aws_account of its own."+ref)
				return true
			}
		}
		return false
	default:
		return false
	}
	return true
}

// awsExplainPreflight explains a verdict of the AWS pre-flight.
func awsExplainPreflight(err error) (field, summary, detail string, ok bool) {
	const found = "\n\nFound by the AWS pre-flight check before anything was sent to Segura (aws_preflight)."
	if o, isOther := errors.AsType[*awsOtherAccount](err); isOther {
		return client.FieldAccessKeyID, "Access key of another AWS account",
			"STS says that access_key_id belongs to AWS account " + o.got + ", but account_id is " + o.want +
				". Use a key of an IAM user of " + o.want + ", or change account_id." + found, true
	}
	f, isFailure := errors.AsType[*aws.Failure](err)
	if !isFailure {
		return "", "", "", false
	}
	field = client.FieldAccessKeyID
	if f.Code == "SignatureDoesNotMatch" {
		field = client.FieldSecretAccessKey
	}
	field, summary, detail = explainAWSFailure(field, f.Reason, f.Error(), f.Missing, f.User)
	return field, summary, detail + found, true
}

// explainAWSFailure puts one reason of aws_connection_failed into plain words.
// user is the ARN of the key's IAM user, when known.
func explainAWSFailure(field, reason, message string, missing []string, user string) (string, string, string) {
	switch {
	case reason == client.ReasonInvalidAccessKey && field == client.FieldSecretAccessKey:
		return field, "AWS refused the secret access key",
			"AWS refused the request signed with secret_access_key (SignatureDoesNotMatch): it is not the secret of " +
				"access_key_id. Use the secret shown when the access key was created."
	case reason == client.ReasonInvalidAccessKey:
		return client.FieldAccessKeyID, "AWS refused the access key",
			"AWS STS does not accept access_key_id (InvalidClientTokenId): it is wrong, inactive or deleted, or so new " +
				"that it has not propagated yet. Check the key under Security credentials of the IAM user."
	case reason == aws.ReasonMissingPolicy:
		return client.FieldAccessKeyID, aws.RequiredPolicy + " missing",
			"The IAM user " + cmp.Or(user, "of access_key_id") + " lacks " + strings.Join(missing, ", ") + ", attached neither to it nor to one of its " +
				"groups. " + awsAttachAdvice
	}
	return field, "AWS rejected the connection", message
}
