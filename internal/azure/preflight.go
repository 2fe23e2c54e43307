package azure

import (
	"cmp"
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
	// NotGranted: Microsoft Graph lists no app role assignment for the Missing permissions,
	// so they are not granted at all, and waiting for propagation cannot help.
	NotGranted bool
}

// CanPropagate reports whether waiting may mend f: its reason can be propagation, and Graph
// did not show that the permissions were never granted.
func (f *Failure) CanPropagate() bool { return !f.NotGranted && Propagating(f.Reason) }

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

// CheckEndpoint explains what is wrong with an Entra ID authority host or a Microsoft Graph
// endpoint, or returns nil: both are only served over https.
func CheckEndpoint(raw string) error {
	if u, err := url.Parse(raw); err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return errors.New("is not an https URL such as https://login.microsoftonline.com/; Entra ID and Microsoft Graph are only served over https")
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
	// GraphEndpoint overrides the environment's Microsoft Graph endpoint, such as
	// https://graph.microsoft.com.
	GraphEndpoint string
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
		f := &Failure{Reason: ReasonMissingPermissions, Missing: missing}
		graph := cmp.Or(p.GraphEndpoint, strings.TrimSuffix(env.graphScope, "/.default"))
		// Missing from the token may be a consent still propagating; missing from the app role
		// assignments is a permission never granted. When Graph cannot tell (no
		// Application.Read.All yet, say), the failure stays one that waiting may mend.
		if assigned, err := assignedPermissions(ctx, transport, graph, tok.Token, appID); err == nil {
			var never []string
			for _, name := range missing {
				if !slices.Contains(assigned, name) {
					never = append(never, name)
				}
			}
			if len(never) > 0 {
				f.Missing, f.NotGranted = never, true
			}
		}
		return f
	}
	return nil
}

// maxAssignmentPages bounds the pages of app role assignments read: an application has a few.
const maxAssignmentPages = 10

// assignedPermissions lists the Graph application permissions granted to the application
// appID, from the app role assignments of its service principal, which the application may
// read with Application.Read.All (needed in every mode). token is its Graph access token.
func assignedPermissions(ctx context.Context, transport policy.Transporter, graph, token, appID string) ([]string, error) {
	next := strings.TrimSuffix(graph, "/") + "/v1.0/servicePrincipals(appId='" + url.PathEscape(appID) + "')/appRoleAssignments"
	var names []string
	for range maxAssignmentPages {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := transport.Do(req)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		_ = resp.Body.Close() // read to the end or to the limit; nothing to report
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("microsoft Graph answered %d to the list of app role assignments", resp.StatusCode)
		}
		var page struct {
			Value []struct {
				AppRoleID string `json:"appRoleId"`
			} `json:"value"`
			NextLink string `json:"@odata.nextLink"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return nil, fmt.Errorf("reading Microsoft Graph's app role assignments: %w", err)
		}
		for _, a := range page.Value {
			if p, ok := PermissionByID(a.AppRoleID); ok {
				names = append(names, p.Name)
			}
		}
		if page.NextLink == "" {
			return names, nil
		}
		// Graph's next link must stay on the same host: the token goes nowhere else.
		if u, err := url.Parse(page.NextLink); err != nil || !strings.HasPrefix(page.NextLink, strings.TrimSuffix(graph, "/")+"/") || u.User != nil {
			return nil, errors.New("microsoft Graph's next page is on another host")
		}
		next = page.NextLink
	}
	return nil, errors.New("too many pages of app role assignments")
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
