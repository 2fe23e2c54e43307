// Package provider is the Terraform provider for Segura Cloud Entitlements: its
// configuration, the segura_azure_tenant resource and the data sources.
package provider

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/validators"
)

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
}

// Environment variables the settings fall back to.
const (
	envURL            = "SEGURA_URL"
	envClientID       = "SEGURA_CLIENT_ID"
	envClientSecret   = "SEGURA_CLIENT_SECRET"
	envTokenURL       = "SEGURA_TOKEN_URL"
	envRequestTimeout = "SEGURA_REQUEST_TIMEOUT"
	envMaxRetries     = "SEGURA_MAX_RETRIES"
)

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
				Validators: []validator.String{validators.Duration()},
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: "How many times a request is retried after a 429, a 5xx or a lost connection, with " +
					"exponential backoff and `Retry-After` honoured; `0` turns retries off. Defaults to `5`. " +
					"Falls back to `SEGURA_MAX_RETRIES`.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(0, 50)},
			},
		},
	}
}

// providerData is handed to resources and data sources. The client is built on first use,
// so that a configuration that needs no API call needs no credentials.
type providerData struct {
	cfg      client.Config
	problems []settingProblem

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
	resp.ResourceData = data
	resp.DataSourceData = data
}

func (p *seguraProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{NewAzureTenantResource}
}

func (p *seguraProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{}
}
