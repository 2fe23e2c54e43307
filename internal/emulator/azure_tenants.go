package emulator

import (
	"strings"
	"time"
)

// tenantsPath is the collection of Azure tenants.
const tenantsPath = apiBase + "/azure/tenants"

// Field names of an Azure tenant.
const (
	fieldTenantID        = "tenant_id"
	fieldApplicationID   = "application_id"
	fieldSecretValue     = "secret_value"
	fieldIntegrationMode = "integration_mode"
)

// azureTenants is the Azure tenant kind: its key is the tenant ID the create names, its
// credential the application's client secret, checked against Options.Directory.
var azureTenants = newKind(kind{
	path: tenantsPath, stateName: "tenants", noun: "Azure tenant", short: "tenant", cloud: "Azure",
	key: fieldTenantID,
	fields: []field{
		{name: fieldTenantID, check: func(v string) []detail { return checkUUID(fieldTenantID, v) }, canon: strings.ToLower, required: true},
		{name: fieldApplicationID, check: func(v string) []detail { return checkUUID(fieldApplicationID, v) }, canon: strings.ToLower, required: true},
		{name: fieldSecretValue, check: checkSecret, secret: true, required: true},
		{name: fieldIntegrationMode, check: checkMode, required: true, filter: true},
	},
	inUse: []string{fieldSecretValue}, credential: "client secret",
	together: []together{{when: fieldApplicationID, needs: []string{fieldSecretValue}}},
	verified: []string{fieldApplicationID, fieldSecretValue, fieldIntegrationMode},

	codeAlreadyConnected: codeTenantConnected, codeCredentialInUse: codeSecretInUse,
	codeConnectionFailed: codeAzureConnectionFailed,
	verify:               verifyAzureTenant,
	synchronize:          synchronizeAzureTenant,
})

// verifyAzureTenant checks next's credentials with the directory: with the new secret when
// one is given, and then records which directory secret next holds; else (only the mode
// changed) by the application's directory entry, since the emulator keeps no secret.
func verifyAzureTenant(s *Server, next *record, secrets map[string]string, elapsed time.Duration) (string, []detail) {
	d := s.opts.Directory
	tenant, app, mode := next.Fields[fieldTenantID], next.Fields[fieldApplicationID], next.Fields[fieldIntegrationMode]
	secret, ok := secrets[fieldSecretValue]
	if !ok {
		return "", d.verifyStored(tenant, app, mode, elapsed)
	}
	fails := d.verify(tenant, app, secret, mode, elapsed)
	if len(fails) == 0 {
		next.DirectorySecret = d.secretIndex(tenant, app, secret, elapsed)
	}
	return "", fails
}

// synchronizeAzureTenant is a run of r against the directory (see Directory.synchronize).
func synchronizeAzureTenant(s *Server, r *record, elapsed time.Duration) (string, string) {
	return s.opts.Directory.synchronize(r.Fields[fieldTenantID], r.Fields[fieldApplicationID], r.DirectorySecret,
		r.Fields[fieldIntegrationMode], elapsed)
}
