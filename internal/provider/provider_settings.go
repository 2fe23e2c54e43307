package provider

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/segura/terraform-provider-segura/internal/azure"
	"github.com/segura/terraform-provider-segura/internal/validators"
)

// setting is a provider setting: its attribute and the environment variable it falls back to.
type setting struct{ attr, env string }

var (
	settingURL                     = setting{"url", "SEGURA_URL"}
	settingClientID                = setting{"client_id", "SEGURA_CLIENT_ID"}
	settingClientSecret            = setting{"client_secret", "SEGURA_CLIENT_SECRET"}
	settingTokenURL                = setting{"token_url", "SEGURA_TOKEN_URL"}
	settingRequestTimeout          = setting{"request_timeout", "SEGURA_REQUEST_TIMEOUT"}
	settingMaxRetries              = setting{"max_retries", "SEGURA_MAX_RETRIES"}
	settingAzurePreflight          = setting{"azure_preflight", "SEGURA_AZURE_PREFLIGHT"}
	settingAWSPreflight            = setting{"aws_preflight", "SEGURA_AWS_PREFLIGHT"}
	settingAzureEnvironment        = setting{"azure_environment", "SEGURA_AZURE_ENVIRONMENT"}
	settingAzureAuthorityHost      = setting{"azure_authority_host", "AZURE_AUTHORITY_HOST"}
	settingAzureGraphEndpoint      = setting{"azure_graph_endpoint", "SEGURA_AZURE_GRAPH_ENDPOINT"}
	settingAzurePropagationTimeout = setting{"azure_propagation_timeout", "SEGURA_AZURE_PROPAGATION_TIMEOUT"}
	settingPropagationTimeout      = setting{"propagation_timeout", "SEGURA_PROPAGATION_TIMEOUT"}
)

// maxRetriesLimit is the largest max_retries.
const maxRetriesLimit = 50

// settingProblem is a setting the API needs that is missing or not known yet. It is reported
// only when a resource or data source calls the API, so that a configuration that needs no
// API call needs no credentials.
type settingProblem struct {
	setting
	unknown bool
}

func (p settingProblem) report(diags *diag.Diagnostics) {
	if p.unknown {
		diags.AddError("Provider setting "+p.attr+" is not known yet",
			fmt.Sprintf("The provider setting %q depends on a value that is known only after apply, and this operation "+
				"needs the API now. Set it to a value known at plan time, or remove it from the provider block and set the %s "+
				"environment variable, which an unknown value in the block hides.", p.attr, p.env))
		return
	}
	diags.AddError("Provider setting "+p.attr+" is missing",
		fmt.Sprintf("This operation calls the Segura API and needs %q. Set it in the provider \"segura\" block "+
			"or in the %s environment variable.", p.attr, p.env))
}

// settingsReader reads the provider's settings, each from the configuration or else its
// environment variable, and checks every value with the same rule as the schema does, since
// the schema's validators never see environment values.
type settingsReader struct {
	diags    *diag.Diagnostics
	problems []settingProblem
}

// invalid reports a bad value of s; why completes "<value> ...".
func (r *settingsReader) invalid(s setting, value, why string) {
	r.diags.AddAttributeError(path.Root(s.attr), "Invalid "+s.attr,
		fmt.Sprintf("%q (from the configuration or %s) %s.", value, s.env, why))
}

// check reports value as invalid when rule refuses it.
func (r *settingsReader) check(s setting, value string, rule func(string) error) {
	if err := rule(value); err != nil {
		r.invalid(s, value, err.Error())
	}
}

// apiString is a setting of the API client. An unknown value, or a missing required one, is
// recorded as a problem for when the API is called.
func (r *settingsReader) apiString(v types.String, s setting, required bool) string {
	if v.IsUnknown() {
		r.problems = append(r.problems, settingProblem{setting: s, unknown: true})
		return ""
	}
	value := v.ValueString()
	if v.IsNull() {
		value = os.Getenv(s.env)
	}
	if value == "" && required {
		r.problems = append(r.problems, settingProblem{setting: s})
	}
	return value
}

// apiURL is apiString checked with rule, one of the client's URL rules.
func (r *settingsReader) apiURL(v types.String, s setting, required bool, rule func(string) error) string {
	value := r.apiString(v, s, required)
	if value != "" {
		r.check(s, value, rule)
	}
	return value
}

// preflightEndpoint is preflightString checked as an https endpoint of Entra ID or Graph.
func (r *settingsReader) preflightEndpoint(v types.String, s setting) string {
	value := r.preflightString(v, s)
	if value != "" {
		r.check(s, value, azure.CheckEndpoint)
	}
	return value
}

// preflightString is a setting of the Azure pre-flight. The pre-flight is advisory and must
// not block the API, so an unknown value falls back to the environment variable.
func (r *settingsReader) preflightString(v types.String, s setting) string {
	if v.IsNull() || v.IsUnknown() {
		return os.Getenv(s.env)
	}
	return v.ValueString()
}

// duration parses value, or returns def when it is empty.
func (r *settingsReader) duration(value string, s setting, allowZero bool, def time.Duration) time.Duration {
	if value == "" {
		return def
	}
	d, err := validators.ParseDuration(value, allowZero)
	if err != nil {
		r.invalid(s, value, err.Error())
	}
	return d
}

// optionalDuration is a duration setting of the cloud side (0 allowed), nil when unset in
// the configuration and its environment variable.
func (r *settingsReader) optionalDuration(v types.String, s setting) *time.Duration {
	value := r.preflightString(v, s)
	if value == "" {
		return nil
	}
	d := r.duration(value, s, true, 0)
	return &d
}

// boolean is a true or false setting, def when unset or unknown.
func (r *settingsReader) boolean(v types.Bool, s setting, def bool) bool {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueBool()
	}
	env := os.Getenv(s.env)
	if env == "" {
		return def
	}
	b, err := strconv.ParseBool(env)
	if err != nil {
		r.invalid(s, env, "is not true or false")
	}
	return b
}

// maxRetries is max_retries: nil when unset (retries end at the operation's deadline), else
// the most retries of a request, 0 meaning none.
func (r *settingsReader) maxRetries(v types.Int64) *int {
	env := os.Getenv(settingMaxRetries.env)
	var n int64
	switch {
	case !v.IsNull() && !v.IsUnknown():
		n = v.ValueInt64()
	case env != "":
		var err error
		n, err = strconv.ParseInt(env, 10, 64)
		if err != nil || n < 0 || n > maxRetriesLimit {
			r.invalid(settingMaxRetries, env, fmt.Sprintf("is not a whole number from 0 to %d", maxRetriesLimit))
		}
	default:
		return nil
	}
	m := int(n)
	return &m
}
