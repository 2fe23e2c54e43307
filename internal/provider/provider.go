// Package provider is the Terraform provider for Segura Cloud Entitlements: its
// configuration, the segura_azure_tenant resource and the data sources.
package provider

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/segura/terraform-provider-segura/internal/azure"
	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/validators"
)

// preflightTransport replaces the pre-flight's HTTP transport; nil in production. Tests set
// it to trust the certificate of their local Entra ID.
var preflightTransport policy.Transporter

var _ provider.Provider = &seguraProvider{}

// New returns the provider factory for providerserver.Serve.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &seguraProvider{version: version} }
}

type seguraProvider struct {
	version string
}

type providerModel struct {
	URL            types.String `tfsdk:"url"`
	ClientID       types.String `tfsdk:"client_id"`
	ClientSecret   types.String `tfsdk:"client_secret"`
	TokenURL       types.String `tfsdk:"token_url"`
	RequestTimeout types.String `tfsdk:"request_timeout"`
	MaxRetries     types.Int64  `tfsdk:"max_retries"`

	AzurePreflight          types.Bool   `tfsdk:"azure_preflight"`
	AzureEnvironment        types.String `tfsdk:"azure_environment"`
	AzureAuthorityHost      types.String `tfsdk:"azure_authority_host"`
	AzurePropagationTimeout types.String `tfsdk:"azure_propagation_timeout"`
}

// Environment variables the settings fall back to.
const (
	envURL            = "SEGURA_URL"
	envClientID       = "SEGURA_CLIENT_ID"
	envClientSecret   = "SEGURA_CLIENT_SECRET"
	envTokenURL       = "SEGURA_TOKEN_URL"
	envRequestTimeout = "SEGURA_REQUEST_TIMEOUT"
	envMaxRetries     = "SEGURA_MAX_RETRIES"

	envAzurePreflight          = "SEGURA_AZURE_PREFLIGHT"
	envAzureEnvironment        = "SEGURA_AZURE_ENVIRONMENT"
	envAzureAuthorityHost      = "AZURE_AUTHORITY_HOST"
	envAzurePropagationTimeout = "SEGURA_AZURE_PROPAGATION_TIMEOUT"
)

// DefaultPropagationTimeout is how long Entra ID propagation errors are retried by default.
const DefaultPropagationTimeout = 3 * time.Minute

func (p *seguraProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "segura"
	resp.Version = p.version
}

func (p *seguraProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Connects Azure tenants to Segura Cloud Entitlements. Credentials are those of a " +
			"Segura service account with the Cloud Entitlements administrator role. Every setting falls back to an " +
			"environment variable; settings are needed only when a resource or data source calls the API.",
		Attributes: map[string]schema.Attribute{
			"url": schema.StringAttribute{
				MarkdownDescription: "Base URL of the Segura Cloud Entitlements API, such as `https://acme.segura.security`. " +
					"Falls back to `SEGURA_URL`.",
				Optional:   true,
				Validators: []validator.String{validators.HTTPURL()},
			},
			"client_id": schema.StringAttribute{
				MarkdownDescription: "OAuth 2.0 client ID of the service account. Falls back to `SEGURA_CLIENT_ID`.",
				Optional:            true,
			},
			"client_secret": schema.StringAttribute{
				MarkdownDescription: "OAuth 2.0 client secret of the service account. Falls back to `SEGURA_CLIENT_SECRET`.",
				Optional:            true,
				Sensitive:           true,
			},
			"token_url": schema.StringAttribute{
				MarkdownDescription: "Token endpoint of the client credentials grant. Defaults to `<url>/oauth2/token`. " +
					"Falls back to `SEGURA_TOKEN_URL`.",
				Optional:   true,
				Validators: []validator.String{validators.HTTPURL()},
			},
			"request_timeout": schema.StringAttribute{
				MarkdownDescription: "Longest wait for one HTTP attempt, as a Go duration such as `30s` or `2m`. " +
					"Defaults to `30s`. Falls back to `SEGURA_REQUEST_TIMEOUT`.",
				Optional:   true,
				Validators: []validator.String{validators.Duration(false)},
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: "How many times a request is retried after a 429, a 5xx or a lost connection, with " +
					"exponential backoff and `Retry-After` honoured; `0` turns retries off. Defaults to `5`. " +
					"Falls back to `SEGURA_MAX_RETRIES`.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(0, 50)},
			},
			"azure_preflight": schema.BoolAttribute{
				MarkdownDescription: "Before a tenant is connected, or its secret, application or mode changes, sign in to " +
					"Microsoft Entra ID as the application and check its Microsoft Graph permissions, so that mistakes are " +
					"reported with exactly what is missing before anything is sent to Segura. When Entra ID cannot be " +
					"reached, a warning is shown and Segura's own verification decides. Defaults to `true`. " +
					"Falls back to `SEGURA_AZURE_PREFLIGHT`.",
				Optional: true,
			},
			"azure_environment": schema.StringAttribute{
				MarkdownDescription: "Azure cloud of the tenants: `public` (default), `usgovernment` or `china`. " +
					"Falls back to `SEGURA_AZURE_ENVIRONMENT`.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(azureEnvironments()...)},
			},
			"azure_authority_host": schema.StringAttribute{
				MarkdownDescription: "Microsoft Entra ID host of the pre-flight sign-in, overriding the one of " +
					"`azure_environment`, such as `https://login.microsoftonline.com/`. Falls back to `AZURE_AUTHORITY_HOST`.",
				Optional:   true,
				Validators: []validator.String{validators.HTTPURL()},
			},
			"azure_propagation_timeout": schema.StringAttribute{
				MarkdownDescription: "How long to keep retrying when Entra ID has not yet propagated a new secret, " +
					"application, admin consent or role assignment (the pre-flight's or Segura's answer), as a duration " +
					"such as `3m`; `0s` turns it off. Other errors fail at once, and the resource's `timeouts` still " +
					"bound the whole operation. Defaults to `3m`. Falls back to `SEGURA_AZURE_PROPAGATION_TIMEOUT`.",
				Optional:   true,
				Validators: []validator.String{validators.Duration(true)},
			},
		},
	}
}

func azureEnvironments() []string {
	names := make([]string, 0, len(azure.Environments))
	for name := range azure.Environments {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// providerData is handed to resources and data sources. The client is built on first use,
// so that a configuration that needs no API call needs no credentials.
type providerData struct {
	cfg      client.Config
	problems []settingProblem
	// preflight is nil when azure_preflight is off.
	preflight   *azure.Preflight
	propagation time.Duration

	once   sync.Once
	client *client.Client
	err    error
}

type settingProblem struct {
	attr, env string
	unknown   bool
}

// apiClient returns the client, or adds a diagnostic naming each setting that is missing.
func (d *providerData) apiClient(diags *diag.Diagnostics) *client.Client {
	if d == nil {
		diags.AddError("Provider not configured",
			"The segura provider was not configured before use. This is a bug in the provider; please report it.")
		return nil
	}
	if len(d.problems) > 0 {
		for _, p := range d.problems {
			if p.unknown {
				diags.AddError("Provider setting "+p.attr+" is not known yet",
					fmt.Sprintf("The provider setting %q depends on a value that is known only after apply, and this operation "+
						"needs the API now. Set it to a value known at plan time, or set the %s environment variable.", p.attr, p.env))
			} else {
				diags.AddError("Provider setting "+p.attr+" is missing",
					fmt.Sprintf("This operation calls the Segura API and needs %q. Set it in the provider \"segura\" block "+
						"or in the %s environment variable.", p.attr, p.env))
			}
		}
		return nil
	}
	d.once.Do(func() { d.client, d.err = client.New(d.cfg) })
	if d.err != nil {
		diags.AddError("Invalid provider configuration", d.err.Error())
		return nil
	}
	return d.client
}

func (p *seguraProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	data := &providerData{}
	str := func(v types.String, attr, env string, required bool) string {
		if v.IsUnknown() {
			data.problems = append(data.problems, settingProblem{attr: attr, env: env, unknown: true})
			return ""
		}
		s := v.ValueString()
		if v.IsNull() {
			s = os.Getenv(env)
		}
		if s == "" && required {
			data.problems = append(data.problems, settingProblem{attr: attr, env: env})
		}
		return s
	}
	baseURL := str(m.URL, "url", envURL, true)
	clientID := str(m.ClientID, "client_id", envClientID, true)
	clientSecret := str(m.ClientSecret, "client_secret", envClientSecret, true)
	tokenURL := str(m.TokenURL, "token_url", envTokenURL, false)
	// The pre-flight's settings: an unknown one falls back to its environment variable, since
	// the pre-flight is advisory and must not block the API.
	preflightSetting := func(v types.String, env string) string {
		if v.IsNull() || v.IsUnknown() {
			return os.Getenv(env)
		}
		return v.ValueString()
	}

	for _, u := range []struct{ attr, env, value string }{{"url", envURL, baseURL}, {"token_url", envTokenURL, tokenURL}} {
		if u.value == "" {
			continue
		}
		if parsed, err := url.Parse(u.value); err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
			resp.Diagnostics.AddAttributeError(path.Root(u.attr), "Invalid "+u.attr,
				fmt.Sprintf("%q (from the configuration or %s) is not an http or https URL.", u.value, u.env))
		}
	}

	timeout := client.DefaultRequestTimeout
	if s := str(m.RequestTimeout, "request_timeout", envRequestTimeout, false); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			resp.Diagnostics.AddAttributeError(path.Root("request_timeout"), "Invalid request_timeout",
				fmt.Sprintf("%q (from the configuration or %s) is not a positive duration such as 30s or 2m.", s, envRequestTimeout))
		}
		timeout = d
	}
	retries := int64(client.DefaultMaxRetries)
	switch {
	case !m.MaxRetries.IsNull() && !m.MaxRetries.IsUnknown():
		retries = m.MaxRetries.ValueInt64()
	case os.Getenv(envMaxRetries) != "":
		n, err := strconv.ParseInt(os.Getenv(envMaxRetries), 10, 64)
		if err != nil || n < 0 || n > 50 {
			resp.Diagnostics.AddAttributeError(path.Root("max_retries"), "Invalid max_retries",
				fmt.Sprintf("%s=%q is not a whole number from 0 to 50.", envMaxRetries, os.Getenv(envMaxRetries)))
		}
		retries = n
	}
	if retries == 0 {
		retries = -1 // the client reads 0 as "default"
	}

	preflight := true
	switch {
	case !m.AzurePreflight.IsNull() && !m.AzurePreflight.IsUnknown():
		preflight = m.AzurePreflight.ValueBool()
	case os.Getenv(envAzurePreflight) != "":
		b, err := strconv.ParseBool(os.Getenv(envAzurePreflight))
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("azure_preflight"), "Invalid azure_preflight",
				fmt.Sprintf("%s=%q is not true or false.", envAzurePreflight, os.Getenv(envAzurePreflight)))
		}
		preflight = b
	}
	environment := preflightSetting(m.AzureEnvironment, envAzureEnvironment)
	if environment == "" {
		environment = "public"
	}
	if _, ok := azure.Environments[environment]; !ok {
		resp.Diagnostics.AddAttributeError(path.Root("azure_environment"), "Invalid azure_environment",
			fmt.Sprintf("%q (from the configuration or %s) is not one of %s.", environment, envAzureEnvironment,
				strings.Join(azureEnvironments(), ", ")))
	}
	authority := preflightSetting(m.AzureAuthorityHost, envAzureAuthorityHost)
	if authority != "" {
		if u, err := url.Parse(authority); err != nil || u.Scheme != "https" || u.Host == "" {
			resp.Diagnostics.AddAttributeError(path.Root("azure_authority_host"), "Invalid azure_authority_host",
				fmt.Sprintf("%q (from the configuration or %s) is not an https URL; Entra ID is only served over https.",
					authority, envAzureAuthorityHost))
		}
	}
	propagation := DefaultPropagationTimeout
	if s := preflightSetting(m.AzurePropagationTimeout, envAzurePropagationTimeout); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			resp.Diagnostics.AddAttributeError(path.Root("azure_propagation_timeout"), "Invalid azure_propagation_timeout",
				fmt.Sprintf("%q (from the configuration or %s) is not a duration such as 3m, or 0s to turn retries off.",
					s, envAzurePropagationTimeout))
		}
		propagation = d
	}
	if resp.Diagnostics.HasError() {
		return
	}

	ua := "terraform-provider-segura/" + p.version
	if req.TerraformVersion != "" {
		ua += " terraform/" + req.TerraformVersion
	}
	data.cfg = client.Config{
		URL: baseURL, ClientID: clientID, ClientSecret: clientSecret, TokenURL: tokenURL,
		RequestTimeout: timeout, MaxRetries: int(retries), UserAgent: ua,
		Logger: tflogLogger{secrets: []string{clientSecret}},
	}
	data.propagation = propagation
	if preflight {
		data.preflight = &azure.Preflight{Environment: environment, AuthorityHost: authority, Transport: preflightTransport}
	}
	resp.ResourceData = data
	resp.DataSourceData = data
}

func (p *seguraProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{NewAzureTenantResource}
}

func (p *seguraProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewAzureTenantDataSource, NewAzureTenantsDataSource, NewAzureRequiredPermissionsDataSource,
	}
}
