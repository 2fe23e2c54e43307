package emulator

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/segura/terraform-provider-segura/internal/azure"
)

// Directory is a fixture that stands for Microsoft Entra ID and Azure: the tenants, their
// applications, the secrets that are valid, the Graph permissions granted with admin consent
// and the Azure roles assigned. Times are counted from the start of the emulator, to mimic
// Entra ID propagation and secrets that expire. Sign-ins, the API's verification of
// credentials and every synchronization run are checked against it at their own time.
type Directory struct {
	Tenants []DirectoryTenant `json:"tenants"`
}

// DirectoryTenant is an Entra ID tenant.
type DirectoryTenant struct {
	TenantID     string                 `json:"tenant_id"`
	Applications []DirectoryApplication `json:"applications"`
}

// DirectoryApplication is an application registration with its service principal.
type DirectoryApplication struct {
	ApplicationID string `json:"application_id"`
	// VisibleAfterSeconds: until then the application is not found.
	VisibleAfterSeconds int               `json:"visible_after_seconds,omitempty"`
	Secrets             []DirectorySecret `json:"secrets"`
	// GraphPermissions are the names of the granted Graph application permissions.
	GraphPermissions []string `json:"graph_permissions"`
	// LateGraphPermissions are granted too, and listed among the application's app role
	// assignments at once, but show in its tokens only after LateGraphPermissionsSeconds: a
	// consent that Entra ID is still propagating.
	LateGraphPermissions        []string `json:"late_graph_permissions,omitempty"`
	LateGraphPermissionsSeconds int      `json:"late_graph_permissions_seconds,omitempty"`
	// AzureRoles are the names of the assigned Azure roles.
	AzureRoles []string `json:"azure_roles"`
}

// DirectorySecret is a client secret.
type DirectorySecret struct {
	Value string `json:"value"`
	// ValidAfterSeconds: until then the secret is refused as invalid.
	ValidAfterSeconds int `json:"valid_after_seconds,omitempty"`
	// ExpiresAfterSeconds, when not zero: from then on the secret is refused as expired, by
	// sign-ins and verification, and the synchronizations of a connection that holds it fail
	// with invalid_credentials. Counted, like ValidAfterSeconds, from the emulator's start.
	ExpiresAfterSeconds int `json:"expires_after_seconds,omitempty"`
}

// validAt reports whether the secret signs in, elapsed after the emulator started.
func (sec DirectorySecret) validAt(elapsed time.Duration) bool {
	return elapsed >= seconds(sec.ValidAfterSeconds) && !sec.expiredAt(elapsed)
}

// expiredAt reports whether the secret has expired, elapsed after the emulator started.
func (sec DirectorySecret) expiredAt(elapsed time.Duration) bool {
	return sec.ExpiresAfterSeconds != 0 && elapsed >= seconds(sec.ExpiresAfterSeconds)
}

// LoadDirectory reads a directory fixture from a JSON file.
func LoadDirectory(path string) (*Directory, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var d Directory
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("directory %s: %w", path, err)
	}
	for _, t := range d.Tenants {
		for _, a := range t.Applications {
			for _, p := range slices.Concat(a.GraphPermissions, a.LateGraphPermissions) {
				if _, ok := azure.PermissionByName(p); !ok && !strings.Contains(p, ".") {
					return nil, fmt.Errorf("directory %s: %q is not a Graph permission name", path, p)
				}
			}
		}
	}
	return &d, nil
}

// signIn is what Entra ID answers to a client-credentials sign-in. Failures are named with
// the reasons of package azure, the words of the contract.
type signIn struct {
	failure string // an azure.Reason*, empty on success
	roles   []string
	app     *DirectoryApplication
	secret  int // on success with a directory: the index of the secret in app.Secrets
}

// signIn checks the credentials as Entra ID would, elapsed after the emulator started. With
// no directory (demo mode) every well-formed credential signs in with every permission.
func (d *Directory) signIn(tenantID, appID, secret string, elapsed time.Duration) signIn {
	if d == nil {
		var all []string
		for _, p := range azure.RequiredPermissions(azure.ModeReadWrite) {
			all = append(all, p.Name)
		}
		return signIn{roles: all}
	}
	for _, t := range d.Tenants {
		if !strings.EqualFold(t.TenantID, tenantID) {
			continue
		}
		for i, a := range t.Applications {
			if !strings.EqualFold(a.ApplicationID, appID) || elapsed < seconds(a.VisibleAfterSeconds) {
				continue
			}
			for j, sec := range a.Secrets {
				if sec.Value == secret && sec.validAt(elapsed) {
					return signIn{roles: a.tokenRoles(elapsed), app: &t.Applications[i], secret: j}
				}
			}
			return signIn{failure: azure.ReasonInvalidClientSecret}
		}
		return signIn{failure: azure.ReasonApplicationNotFound}
	}
	return signIn{failure: azure.ReasonTenantNotFound}
}

func seconds(n int) time.Duration { return time.Duration(n) * time.Second }

// tokenRoles are the Graph permissions in the application's tokens, elapsed after the start.
func (a *DirectoryApplication) tokenRoles(elapsed time.Duration) []string {
	if elapsed >= seconds(a.LateGraphPermissionsSeconds) {
		return slices.Concat(a.GraphPermissions, a.LateGraphPermissions)
	}
	return a.GraphPermissions
}

// assigned are the Graph permissions granted to the application, as its app role
// assignments list them: the late ones included.
func (a *DirectoryApplication) assigned() []string {
	return slices.Concat(a.GraphPermissions, a.LateGraphPermissions)
}

// application finds an application of the directory, visible elapsed after the start.
func (d *Directory) application(tenantID, appID string, elapsed time.Duration) *DirectoryApplication {
	for ti := range d.Tenants {
		t := &d.Tenants[ti]
		for i := range t.Applications {
			a := &t.Applications[i]
			if strings.EqualFold(t.TenantID, tenantID) && strings.EqualFold(a.ApplicationID, appID) && elapsed >= seconds(a.VisibleAfterSeconds) {
				return a
			}
		}
	}
	return nil
}

// verify is the check the API runs before it connects a tenant: sign-in, then the Graph
// permissions and Azure roles that mode needs.
func (d *Directory) verify(tenantID, appID, secret, mode string, elapsed time.Duration) []detail {
	si := d.signIn(tenantID, appID, secret, elapsed)
	switch si.failure {
	case azure.ReasonInvalidClientSecret:
		return []detail{{Field: "secret_value", Reason: si.failure,
			Message: "AADSTS7000215: Invalid client secret provided: the secret is wrong, expired, or not yet propagated"}}
	case azure.ReasonApplicationNotFound:
		return []detail{{Field: "application_id", Reason: si.failure,
			Message: "AADSTS700016: Application with identifier " + appID + " was not found in the directory " + tenantID}}
	case azure.ReasonTenantNotFound:
		return []detail{{Field: "tenant_id", Reason: si.failure,
			Message: "AADSTS90002: Tenant " + tenantID + " not found"}}
	}
	return grants(mode, si.roles, si.app)
}

// verifyStored checks an application whose secret was verified before, when only the mode
// changes: the emulator keeps no secret to sign in with again.
func (d *Directory) verifyStored(tenantID, appID, mode string, elapsed time.Duration) []detail {
	if d == nil {
		return nil
	}
	if a := d.application(tenantID, appID, elapsed); a != nil {
		return grants(mode, a.tokenRoles(elapsed), a)
	}
	return []detail{{Field: "application_id", Reason: azure.ReasonApplicationNotFound,
		Message: "AADSTS700016: Application with identifier " + appID + " was not found in the directory " + tenantID}}
}

// grants compares what an application was granted with what mode needs.
func grants(mode string, roles []string, app *DirectoryApplication) []detail {
	var out []detail
	if missing := azure.MissingPermissions(mode, roles); len(missing) > 0 {
		out = append(out, detail{Field: "application_id", Reason: azure.ReasonMissingPermissions,
			Message: "admin consent is missing for Microsoft Graph application permissions", Missing: missing})
	}
	if app != nil {
		if missing := azure.MissingRoles(mode, app.AzureRoles); len(missing) > 0 {
			out = append(out, detail{Field: "application_id", Reason: azure.ReasonMissingRole,
				Message: "the application's service principal lacks Azure roles", Missing: missing})
		}
	}
	return out
}

// secretIndex is the index, among its application's secrets, of the directory secret that
// signs in with these credentials elapsed after the start: what a connection records of its
// secret, since it keeps no secret to sign in with again. Nil in demo mode or when none does.
func (d *Directory) secretIndex(tenantID, appID, secret string, elapsed time.Duration) *int {
	if d == nil {
		return nil
	}
	si := d.signIn(tenantID, appID, secret, elapsed)
	if si.failure != "" {
		return nil
	}
	return &si.secret
}

// Reasons of a failed synchronization, in the contract's words.
const (
	syncInvalidCredentials = "invalid_credentials"
	syncMissingPermissions = "missing_permissions"
	syncMissingRole        = "missing_role"
)

// synchronize is a synchronization run that ends elapsed after the start, for a connection
// that holds the application's secret of index secret in mode: the reason it fails and a
// message that says what to do, or two empty strings when it succeeds. A nil secret (a
// connection that a state file of an older emulator brought) checks the application alone,
// as verifyStored does. With no directory (demo mode) every run succeeds.
func (d *Directory) synchronize(tenantID, appID string, secret *int, mode string, elapsed time.Duration) (reason, message string) {
	if d == nil {
		return "", ""
	}
	a := d.application(tenantID, appID, elapsed)
	if a == nil {
		return syncInvalidCredentials, "AADSTS700016: application " + appID + " was not found in the directory " +
			tenantID + "; set the application_id and secret_value of an application of that tenant"
	}
	if secret != nil {
		switch {
		case *secret < len(a.Secrets) && a.Secrets[*secret].expiredAt(elapsed):
			return syncInvalidCredentials, "AADSTS7000222: the client secret of application " + appID +
				" has expired; add a new secret to the application and set it as this connection's secret_value"
		case *secret >= len(a.Secrets) || !a.Secrets[*secret].validAt(elapsed):
			return syncInvalidCredentials, "AADSTS7000215: the client secret of application " + appID +
				" is no longer valid; add a new secret to the application and set it as this connection's secret_value"
		}
	}
	var msgs []string
	for _, f := range grants(mode, a.tokenRoles(elapsed), a) {
		if reason == "" {
			reason = map[string]string{azure.ReasonMissingPermissions: syncMissingPermissions,
				azure.ReasonMissingRole: syncMissingRole}[f.Reason]
		}
		msgs = append(msgs, f.Message+": "+strings.Join(f.Missing, ", "))
	}
	return reason, strings.Join(msgs, "; ")
}
