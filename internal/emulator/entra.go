package emulator

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/segura/terraform-provider-segura/internal/azure"
)

// EntraHandler serves an Entra ID compatible token service from the directory: OIDC discovery
// and the client-credentials token endpoint, as MSAL (and so azidentity) calls them. Serve it
// over HTTPS: MSAL refuses an http authority. Access tokens carry the granted Graph
// application permissions in their roles claim, as Entra ID's do.
func (s *Server) EntraHandler() http.Handler {
	mux := http.NewServeMux()
	discovery := "GET /{tenant}/v2.0/.well-known/openid-configuration"
	token := "POST /{tenant}/oauth2/v2.0/token"
	mux.Handle(discovery, s.instrument(discovery, http.HandlerFunc(s.handleDiscovery)))
	mux.Handle(token, s.instrument(token, http.HandlerFunc(s.handleEntraToken)))
	// Microsoft Graph, on the same host: an application's own app role assignments. Its path
	// segment servicePrincipals(appId='...') is no pattern of ServeMux's.
	graph := s.instrument("GET "+GraphAssignmentsRoute, http.HandlerFunc(s.handleGraphAssignments))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1.0/") {
			graph.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// entraSigningKey signs the emulator's access tokens; nobody verifies them, the key only
// makes them well-formed JWTs.
var entraSigningKey = []byte(newID())

func (s *Server) tenantKnown(tenant string) bool {
	if s.opts.Directory == nil {
		return true
	}
	for _, t := range s.opts.Directory.Tenants {
		if strings.EqualFold(t.TenantID, tenant) {
			return true
		}
	}
	return false
}

func (s *Server) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	tenant := r.PathValue("tenant")
	if !s.tenantKnown(tenant) {
		s.writeAADError(w, http.StatusBadRequest, "invalid_tenant", 90002, "Tenant '"+tenant+"' not found.")
		return
	}
	base := "https://" + r.Host + "/" + tenant
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                base + "/v2.0",
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_types_supported":              []string{"code", "id_token", "token"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"tenant_region_scope":                   "NA",
	})
}

func (s *Server) handleEntraToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		s.writeAADError(w, http.StatusBadRequest, "invalid_request", 900144, "The request body must be a form.")
		return
	}
	tenant := r.PathValue("tenant")
	appID, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if r.PostForm.Get("grant_type") != "client_credentials" {
		s.writeAADError(w, http.StatusBadRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
		return
	}
	si := s.opts.Directory.signIn(tenant, appID, secret, s.now().Sub(s.started))
	switch si.failure {
	case azure.ReasonTenantNotFound:
		s.writeAADError(w, http.StatusBadRequest, "invalid_request", 90002, "Tenant '"+tenant+"' not found.")
		return
	case azure.ReasonApplicationNotFound:
		s.writeAADError(w, http.StatusBadRequest, "unauthorized_client", 700016,
			"Application with identifier '"+appID+"' was not found in the directory '"+tenant+"'.")
		return
	case azure.ReasonInvalidClientSecret:
		s.writeAADError(w, http.StatusUnauthorized, "invalid_client", 7000215,
			"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '"+appID+"'.")
		return
	}
	now := s.now()
	lifetime := time.Hour
	claims := jwt.MapClaims{
		"aud":   "https://graph.microsoft.com",
		"iss":   "https://sts.windows.net/" + strings.ToLower(tenant) + "/",
		"iat":   now.Unix(),
		"nbf":   now.Unix(),
		"exp":   now.Add(lifetime).Unix(),
		"appid": strings.ToLower(appID),
		"tid":   strings.ToLower(tenant),
		"idtyp": "app",
	}
	if len(si.roles) > 0 { // Entra ID leaves the claim out when nothing is granted
		claims["roles"] = si.roles
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(entraSigningKey)
	if err != nil {
		s.writeAADError(w, http.StatusInternalServerError, "server_error", 500011, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type":     "Bearer",
		"expires_in":     int(lifetime / time.Second),
		"ext_expires_in": int(lifetime / time.Second),
		"access_token":   signed,
	})
}

func (s *Server) writeAADError(w http.ResponseWriter, status int, code string, aadsts int, msg string) {
	writeJSON(w, status, map[string]any{
		"error":             code,
		"error_description": "AADSTS" + strconv.Itoa(aadsts) + ": " + msg,
		"error_codes":       []int{aadsts},
		"timestamp":         s.now().Format("2006-01-02 15:04:05Z"),
		"trace_id":          newID(),
		"correlation_id":    newID(),
	})
}

// GraphAssignmentsRoute is the route, as Counts names it, of Microsoft Graph's list of the app
// role assignments of an application's service principal:
// /v1.0/servicePrincipals(appId='{appId}')/appRoleAssignments.
const GraphAssignmentsRoute = "/v1.0/servicePrincipals(appId='{appId}')/appRoleAssignments"

var graphAssignmentsRE = regexp.MustCompile(`^/v1\.0/servicePrincipals\(appId='([0-9a-fA-F-]{36})'\)/appRoleAssignments$`)

// handleGraphAssignments lists the Graph permissions granted to an application, as Microsoft
// Graph does for a token of that tenant with Application.Read.All. Late permissions are
// listed at once: assignments exist before tokens carry them.
func (s *Server) handleGraphAssignments(w http.ResponseWriter, r *http.Request) {
	m := graphAssignmentsRE.FindStringSubmatch(r.URL.Path)
	if m == nil {
		writeGraphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource not found for the segment.")
		return
	}
	var claims struct {
		TenantID string   `json:"tid"`
		Roles    []string `json:"roles"`
		jwt.RegisteredClaims
	}
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if _, err := jwt.ParseWithClaims(bearer, &claims, func(*jwt.Token) (any, error) { return entraSigningKey, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), jwt.WithTimeFunc(s.now)); !ok || err != nil {
		writeGraphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty or invalid.")
		return
	}
	if !slices.Contains(claims.Roles, "Application.Read.All") && !slices.Contains(claims.Roles, "Application.ReadWrite.All") {
		writeGraphError(w, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		return
	}
	var app *DirectoryApplication
	if s.opts.Directory != nil {
		app = s.opts.Directory.application(claims.TenantID, m[1], s.now().Sub(s.started))
	}
	if app == nil {
		writeGraphError(w, http.StatusNotFound, "Request_ResourceNotFound",
			"Resource '"+m[1]+"' does not exist or one of its queried reference-property objects are not present.")
		return
	}
	value := []map[string]any{}
	for _, name := range app.assigned() {
		if p, ok := azure.PermissionByName(name); ok {
			value = append(value, map[string]any{
				"id": newID(), "appRoleId": p.ID, "principalType": "ServicePrincipal",
				"resourceDisplayName": "Microsoft Graph", "resourceId": newID(),
			})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": value})
}

func writeGraphError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": message}})
}
