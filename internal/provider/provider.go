// Package provider is the Terraform provider for Segura Cloud Entitlements: its
// configuration, the segura_azure_tenant resource and the data sources.
package provider

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/jonboulle/clockwork"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	fwaction "github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/segura/terraform-provider-segura/internal/aws"
	"github.com/segura/terraform-provider-segura/internal/azure"
	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/validators"
)

var (
	_ provider.ProviderWithListResources = &seguraProvider{}
	_ provider.ProviderWithActions       = &seguraProvider{}
)

// New returns the provider factory for providerserver.Serve.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &seguraProvider{version: version, clock: clockwork.NewRealClock()} }
}

type seguraProvider struct {
	version string
	// clock is the time the provider waits on; tests give a fake one.
	clock clockwork.Clock
	// preflightTransport replaces the pre-flight's HTTP transport; nil in production. Tests
	// give one that trusts their local Entra ID's certificate.
	preflightTransport policy.Transporter
	// retryWaitMin and retryWaitMax bound the backoff between retries; zero means the
	// client's defaults. Tests against the emulator shorten them.
	retryWaitMin, retryWaitMax time.Duration
}

type providerModel struct {
	URL            types.String         `tfsdk:"url"`
	ClientID       types.String         `tfsdk:"client_id"`
	ClientSecret   types.String         `tfsdk:"client_secret"`
	TokenURL       types.String         `tfsdk:"token_url"`
	RequestTimeout timetypes.GoDuration `tfsdk:"request_timeout"`
	MaxRetries     types.Int64          `tfsdk:"max_retries"`

	AzurePreflight          types.Bool           `tfsdk:"azure_preflight"`
	AWSPreflight            types.Bool           `tfsdk:"aws_preflight"`
	AzureEnvironment        types.String         `tfsdk:"azure_environment"`
	AzureAuthorityHost      types.String         `tfsdk:"azure_authority_host"`
	AzureGraphEndpoint      types.String         `tfsdk:"azure_graph_endpoint"`
	AzurePropagationTimeout timetypes.GoDuration `tfsdk:"azure_propagation_timeout"`
	PropagationTimeout      timetypes.GoDuration `tfsdk:"propagation_timeout"`
}

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
					"Must be https, except to this machine (`localhost`, `127.0.0.0/8`, `::1`), and must not hold the API's " +
					"path (`/api/cloud-entitlements/v1`). Falls back to `SEGURA_URL`.",
				Optional:   true,
				Validators: []validator.String{validators.Check("the base URL of the API, https (or http to this machine)", client.CheckBaseURL)},
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
					"Must be https, except to this machine. Falls back to `SEGURA_TOKEN_URL`.",
				Optional:   true,
				Validators: []validator.String{validators.Check("an https URL (or http to this machine)", client.CheckURL)},
			},
			"request_timeout": schema.StringAttribute{
				MarkdownDescription: "Longest wait for one HTTP attempt, as a Go duration such as `30s` or `2m`. " +
					"Defaults to `30s`. Falls back to `SEGURA_REQUEST_TIMEOUT`.",
				Optional:   true,
				CustomType: timetypes.GoDurationType{},
				Validators: []validator.String{validators.Duration(false)},
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: "At most this many retries of a request after a 429, 500, 502, 503 or 504, a lost connection " +
					"or a timeout, with exponential backoff and `Retry-After` honoured on 429 and 503; `0` turns retries off. Unset (the " +
					"default), requests are retried until the operation's deadline: the resource's `timeouts`, or " +
					"5 minutes for reads and data sources. Falls back to `SEGURA_MAX_RETRIES`.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(0, maxRetriesLimit)},
			},
			"azure_preflight": schema.BoolAttribute{
				MarkdownDescription: "Before a tenant is connected, or its secret, application or mode changes, sign in to " +
					"Microsoft Entra ID as the application and check its Microsoft Graph permissions, so that mistakes are " +
					"reported with exactly what is missing before anything is sent to Segura. When Entra ID cannot be " +
					"reached, a warning is shown and Segura's own verification decides. Defaults to `true`. " +
					"Falls back to `SEGURA_AZURE_PREFLIGHT`.",
				Optional: true,
			},
			"aws_preflight": schema.BoolAttribute{
				MarkdownDescription: "Before an AWS account is connected, or its access key changes, ask AWS STS whose key it " +
					"is and IAM whether its user has `IAMReadOnlyAccess`, so that mistakes are reported before anything is " +
					"sent to Segura. The endpoints are the AWS SDK's (`AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL_IAM`); " +
					"nothing else of the machine's AWS settings is read. When AWS cannot be reached, a warning is shown " +
					"and Segura's own verification decides. Defaults to `true`. Falls back to `SEGURA_AWS_PREFLIGHT`.",
				Optional: true,
			},
			"azure_environment": schema.StringAttribute{
				MarkdownDescription: "Azure cloud of the tenants: `public` (default), `usgovernment` or `china`. " +
					"Falls back to `SEGURA_AZURE_ENVIRONMENT`.",
				Optional:   true,
				Validators: []validator.String{validators.OneOf(azure.EnvironmentNames()...)},
			},
			"azure_graph_endpoint": schema.StringAttribute{
				MarkdownDescription: "Microsoft Graph endpoint of the pre-flight, overriding the one of `azure_environment`, " +
					"such as `https://graph.microsoft.com`. When the application's token lacks a Graph permission, the " +
					"pre-flight reads the application's app role assignments there: a permission never granted fails at " +
					"once, while one granted but not yet in the token is waited for. Falls back to " +
					"`SEGURA_AZURE_GRAPH_ENDPOINT`.",
				Optional:   true,
				Validators: []validator.String{validators.Check("an https URL", azure.CheckEndpoint)},
			},
			"azure_authority_host": schema.StringAttribute{
				MarkdownDescription: "Microsoft Entra ID host of the pre-flight sign-in, overriding the one of " +
					"`azure_environment`, such as `https://login.microsoftonline.com/`. Falls back to `AZURE_AUTHORITY_HOST`.",
				Optional:   true,
				Validators: []validator.String{validators.Check("an https URL", azure.CheckEndpoint)},
			},
			"propagation_timeout": schema.StringAttribute{
				MarkdownDescription: "How long to keep retrying when the cloud has not yet propagated new credentials " +
					"(for an Azure tenant, a new secret, application, admin consent or role assignment in Entra ID; the " +
					"pre-flight's or Segura's answer), as a duration such as `3m`; `0s` turns it off. Other errors fail at " +
					"once, and the resource's `timeouts` still bound the whole operation. Defaults to each kind's own: " +
					"`3m` for an Azure tenant. Falls back to `SEGURA_PROPAGATION_TIMEOUT`.",
				Optional:   true,
				CustomType: timetypes.GoDurationType{},
				Validators: []validator.String{validators.Duration(true)},
			},
			"azure_propagation_timeout": schema.StringAttribute{
				MarkdownDescription: "Deprecated: use `propagation_timeout`. How long to keep retrying when Entra ID has " +
					"not yet propagated a new secret, application, admin consent or role assignment, for Azure tenants " +
					"only, when `propagation_timeout` is not set. Falls back to `SEGURA_AZURE_PROPAGATION_TIMEOUT`.",
				DeprecationMessage: "Use propagation_timeout (SEGURA_PROPAGATION_TIMEOUT) instead: it serves every kind " +
					"of connection. azure_propagation_timeout still sets the wait of Azure tenants when propagation_timeout " +
					"is not set.",
				Optional:   true,
				CustomType: timetypes.GoDurationType{},
				Validators: []validator.String{validators.Duration(true)},
			},
		},
	}
}

// providerData is handed to resources and data sources. The client is built on first use,
// so that a configuration that needs no API call needs no credentials.
type providerData struct {
	clock    clockwork.Clock
	cfg      client.Config
	problems []settingProblem
	// preflight is nil when azure_preflight is off.
	preflight *azure.Preflight
	// awsPreflight is nil when aws_preflight is off.
	awsPreflight *aws.Preflight
	// propagation is propagation_timeout, nil when unset; legacyPropagation the setting it
	// replaces for one kind (azure_propagation_timeout), by the kind's type name.
	propagation       *time.Duration
	legacyPropagation map[string]time.Duration
	// planChecksOff is set once a plan-time check found Segura unreachable: the others of
	// the same run are skipped rather than each waiting in turn.
	planChecksOff atomic.Bool
	// reads serves the reads of connections, from one listing a collection when there are
	// many: a reads of each kind, by *kind.
	reads sync.Map

	once   sync.Once
	client *client.Client
	err    error
}

// readsOf is the reads of the connections of k.
func (d *providerData) readsOf(k *kind) reads {
	if r, ok := d.reads.Load(k); ok {
		return r.(reads)
	}
	r, _ := d.reads.LoadOrStore(k, k.calls.reads())
	return r.(reads)
}

// propagationFor is how long to wait for the propagation of k's credentials:
// propagation_timeout, else the kind's former setting, else the kind's default.
func (d *providerData) propagationFor(k *kind) time.Duration {
	if d.propagation != nil {
		return *d.propagation
	}
	if w, ok := d.legacyPropagation[k.typeName]; ok {
		return w
	}
	return k.propagation.window
}

// secrets are the provider's own secrets, for maskDiagnostics.
func (d *providerData) secrets() []string {
	if d == nil {
		return nil
	}
	return []string{d.cfg.ClientSecret}
}

// providerDataOf is what Configure handed to resources and data sources: nil before the
// provider is configured, and an error for anything else than a *providerData.
func providerDataOf(data any, diags *diag.Diagnostics) *providerData {
	if data == nil {
		return nil
	}
	d, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", data))
	}
	return d
}

// reportMissingSettings adds a diagnostic for each setting of the API that is missing, unless
// one is only not known yet (it may be known at apply).
func (d *providerData) reportMissingSettings(diags *diag.Diagnostics) {
	for _, p := range d.problems {
		if p.unknown {
			return
		}
	}
	for _, p := range d.problems {
		p.report(diags)
	}
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
			p.report(diags)
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
	r := settingsReader{diags: &resp.Diagnostics}
	cfg := client.Config{
		URL:            r.apiURL(m.URL, settingURL, true, client.CheckBaseURL),
		ClientID:       r.apiString(m.ClientID, settingClientID, true),
		ClientSecret:   r.apiString(m.ClientSecret, settingClientSecret, true),
		TokenURL:       r.apiURL(m.TokenURL, settingTokenURL, false, client.CheckURL),
		RequestTimeout: r.duration(r.apiString(m.RequestTimeout.StringValue, settingRequestTimeout, false), settingRequestTimeout, false, client.DefaultRequestTimeout),
		MaxRetries:     r.maxRetries(m.MaxRetries),
		RetryWaitMin:   p.retryWaitMin,
		RetryWaitMax:   p.retryWaitMax,
		Clock:          p.clock,
	}
	preflight := r.boolean(m.AzurePreflight, settingAzurePreflight, true)
	awsPreflight := r.boolean(m.AWSPreflight, settingAWSPreflight, true)
	environment := r.preflightString(m.AzureEnvironment, settingAzureEnvironment)
	if environment != "" && !azure.IsEnvironment(environment) {
		r.invalid(settingAzureEnvironment, environment, "is not one of "+strings.Join(azure.EnvironmentNames(), ", "))
	}
	graph := r.preflightEndpoint(m.AzureGraphEndpoint, settingAzureGraphEndpoint)
	authority := r.preflightEndpoint(m.AzureAuthorityHost, settingAzureAuthorityHost)
	propagation := r.optionalDuration(m.PropagationTimeout.StringValue, settingPropagationTimeout)
	legacy := map[string]time.Duration{}
	if w := r.optionalDuration(m.AzurePropagationTimeout.StringValue, settingAzurePropagationTimeout); w != nil {
		legacy[azureTenant.typeName] = *w
		if m.AzurePropagationTimeout.IsNull() {
			// The schema warns of the attribute; its environment variable is warned of here.
			resp.Diagnostics.AddWarning("Deprecated environment variable "+settingAzurePropagationTimeout.env,
				fmt.Sprintf("%s sets azure_propagation_timeout, which is deprecated: set %s (propagation_timeout) "+
					"instead, which serves every kind of connection.", settingAzurePropagationTimeout.env, settingPropagationTimeout.env))
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}

	cfg.UserAgent = "terraform-provider-segura/" + p.version
	if req.TerraformVersion != "" {
		cfg.UserAgent += " terraform/" + req.TerraformVersion
	}
	cfg.Logger = tflogLogger{}
	data := &providerData{clock: p.clock, cfg: cfg, problems: r.problems, propagation: propagation,
		legacyPropagation: legacy}
	if preflight {
		data.preflight = &azure.Preflight{Environment: environment, AuthorityHost: authority, GraphEndpoint: graph,
			Transport: p.preflightTransport}
	}
	if awsPreflight {
		data.awsPreflight = &aws.Preflight{}
	}
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.ListResourceData = data
	resp.ActionData = data
}

// newTenantResource makes segura_azure_tenant; the benchmark's no-I/O build replaces it.
var newTenantResource = NewAzureTenantResource

func (p *seguraProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{newTenantResource, NewAWSAccountResource}
}

func (p *seguraProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{NewAzureTenantListResource, NewAWSAccountListResource}
}

func (p *seguraProvider) Actions(_ context.Context) []func() fwaction.Action {
	return []func() fwaction.Action{NewAzureTenantReprocessAction, NewAWSAccountReprocessAction}
}

func (p *seguraProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewAzureTenantDataSource, NewAzureTenantsDataSource, NewAzureRequiredPermissionsDataSource,
		NewAWSAccountDataSource, NewAWSAccountsDataSource,
	}
}
