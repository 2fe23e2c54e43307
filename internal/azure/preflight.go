package azure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/golang-jwt/jwt/v5"
)

// Reasons a connection fails; the same words as the Cloud Entitlements API's
// azure_connection_failed details.
const (
	ReasonInvalidClientSecret = "invalid_client_secret"
	ReasonApplicationNotFound = "application_not_found"
	ReasonTenantNotFound      = "tenant_not_found"
	ReasonMissingPermissions  = "missing_permissions"
	ReasonMissingRole         = "missing_role"
)

// Propagating reports whether a reason can be Entra ID propagation rather than a mistake: a
// new secret, application, admin consent or role assignment takes minutes to be seen
// everywhere. A missing tenant never appears later.
func Propagating(reason string) bool {
	switch reason {
	case ReasonInvalidClientSecret, ReasonApplicationNotFound, ReasonMissingPermissions, ReasonMissingRole:
		return true
	}
	return false
}

// Failure is Entra ID's definite answer that the credentials cannot connect.
type Failure struct {
	Reason  string
	Missing []string // the Graph permissions that lack admin consent
	// AADSTS is Entra ID's error code, such as 7000215, when it gave one.
	AADSTS int
}

func (f *Failure) Error() string {
	s := "Azure pre-flight: " + f.Reason
	if f.AADSTS != 0 {
		s += fmt.Sprintf(" (AADSTS%d)", f.AADSTS)
	}
	if len(f.Missing) > 0 {
		s += ": missing " + strings.Join(f.Missing, ", ")
	}
	return s
}

// environment is an Azure cloud: its Entra ID host and the scope of its Microsoft Graph.
type environment struct {
	cloud      cloud.Configuration
	graphScope string
}

// environments are the Azure clouds, by the name the provider's azure_environment takes.
var environments = map[string]environment{
	"public":       {cloud.AzurePublic, "https://graph.microsoft.com/.default"},
	"usgovernment": {cloud.AzureGovernment, "https://graph.microsoft.us/.default"},
	"china":        {cloud.AzureChina, "https://microsoftgraph.chinacloudapi.cn/.default"},
}

// DefaultEnvironment is the Azure cloud of a Preflight that names none.
const DefaultEnvironment = "public"

// EnvironmentNames lists the names of the Azure clouds, sorted.
func EnvironmentNames() []string { return slices.Sorted(maps.Keys(environments)) }

// IsEnvironment reports whether name is an Azure cloud of EnvironmentNames.
func IsEnvironment(name string) bool {
	_, ok := environments[name]
	return ok
}

// CheckAuthorityHost explains what is wrong with an Entra ID authority host, or returns nil:
// Entra ID is only served over https.
func CheckAuthorityHost(raw string) error {
	if u, err := url.Parse(raw); err != nil || u.Scheme != "https" || u.Host == "" {
		return errors.New("is not an https URL such as https://login.microsoftonline.com/; Entra ID is only served over https")
	}
	return nil
}

// Preflight signs in as the application, as Cloud Entitlements will, and checks the Graph
// application permissions in the token's roles claim before anything is sent to the API.
type Preflight struct {
	// Environment names an Azure cloud of EnvironmentNames; empty means DefaultEnvironment.
	Environment string
	// AuthorityHost overrides the environment's Entra ID host, such as
	// https://login.microsoftonline.com/.
	AuthorityHost string
	// Transport replaces the HTTP transport (tests).
	Transport policy.Transporter
}

// Check returns a *Failure when Entra ID refuses the credentials or the token lacks
// permissions that mode needs, nil when all is well, and another error when Entra ID could not
// be asked (unreachable, timed out): the caller may then go on, since the API verifies too.
func (p Preflight) Check(ctx context.Context, tenantID, appID, secret, mode string) error {
	env, ok := environments[p.Environment]
	if !ok {
		env = environments[DefaultEnvironment]
	}
	cfg := env.cloud
	if p.AuthorityHost != "" {
		cfg.ActiveDirectoryAuthorityHost = p.AuthorityHost
	}
	transport := p.Transport
	if transport == nil {
		transport = withoutRedirects()
	}
	cred, err := azidentity.NewClientSecretCredential(tenantID, appID, secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions: azcore.ClientOptions{
			Cloud:     cfg,
			Transport: transport,
			Retry:     policy.RetryOptions{MaxRetries: 1, RetryDelay: 500 * time.Millisecond},
		},
		// The clouds above are known; discovery would only add a call to the public cloud.
		DisableInstanceDiscovery: true,
	})
	if err != nil {
		return fmt.Errorf("azure pre-flight: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{env.graphScope}})
	if err != nil {
		if f := classify(err); f != nil {
			return f
		}
		return fmt.Errorf("azure pre-flight: Entra ID could not be asked: %w", err)
	}
	roles, err := rolesClaim(tok.Token)
	if err != nil {
		return fmt.Errorf("azure pre-flight: %w", err)
	}
	if missing := MissingPermissions(mode, roles); len(missing) > 0 {
		return &Failure{Reason: ReasonMissingPermissions, Missing: missing}
	}
	return nil
}

// withoutRedirects is the pre-flight's HTTP client: a redirect would carry the application's
// secret to wherever it points, so none is followed (the 3xx then fails the sign-in, and the
// pre-flight is skipped with a warning; Segura verifies anyway).
func withoutRedirects() *http.Client {
	return &http.Client{
		Transport:     http.DefaultTransport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// rolesClaim reads the Graph application permissions from an access token. The token is not
// verified: it came straight from Entra ID over TLS, and only its claims are of interest.
func rolesClaim(token string) ([]string, error) {
	var claims struct {
		Roles []string `json:"roles"`
		jwt.RegisteredClaims
	}
	if _, _, err := jwt.NewParser().ParseUnverified(token, &claims); err != nil {
		return nil, fmt.Errorf("reading the access token: %w", err)
	}
	return claims.Roles, nil
}

var aadstsRE = regexp.MustCompile(`AADSTS(\d+)`)

// aadstsReasons maps Entra ID error codes to reasons.
var aadstsReasons = map[int]string{
	7000215: ReasonInvalidClientSecret, // invalid client secret
	7000222: ReasonInvalidClientSecret, // expired client secret
	700016:  ReasonApplicationNotFound, // application not found in the directory
	90002:   ReasonTenantNotFound,      // tenant not found
	900023:  ReasonTenantNotFound,      // tenant identifier is not valid
}

// classify finds the Entra ID error code in an authentication failure.
func classify(err error) *Failure {
	var codes []int
	var afe *azidentity.AuthenticationFailedError
	if errors.As(err, &afe) && afe.RawResponse != nil && afe.RawResponse.Body != nil {
		body, _ := io.ReadAll(io.LimitReader(afe.RawResponse.Body, 1<<16))
		var parsed struct {
			ErrorCodes []int `json:"error_codes"`
		}
		if json.Unmarshal(body, &parsed) == nil {
			codes = parsed.ErrorCodes
		}
	}
	for _, m := range aadstsRE.FindAllStringSubmatch(err.Error(), -1) {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil {
			codes = append(codes, n)
		}
	}
	for _, code := range codes {
		if reason, ok := aadstsReasons[code]; ok {
			return &Failure{Reason: reason, AADSTS: code}
		}
	}
	return nil
}
