package client

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Answers are checked against the contract before anyone uses them: a connection for another
// tenant, or one that lacks a field or holds a malformed one, is an *InvalidAnswerError, so
// that the provider's state never holds what the server did not properly say.

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Values of the contract's enumerations.
var (
	integrationModes = []string{"read", "read_write"}
	statuses         = []string{StatusActive, StatusInactive}
	syncStates       = []string{SyncPending, SyncRunning, SyncSucceeded, SyncFailed}
)

// problem says what breaks the contract in t, or "". wantTenantID, when not empty, is the
// tenant the request was about.
func (t *AzureTenant) problem(wantTenantID string) string {
	switch {
	case !uuidRE.MatchString(t.TenantID):
		return fmt.Sprintf("tenant_id %q is not a UUID", t.TenantID)
	case wantTenantID != "" && !strings.EqualFold(t.TenantID, wantTenantID):
		return fmt.Sprintf("it is about tenant %s, not %s", t.TenantID, wantTenantID)
	case !uuidRE.MatchString(t.ApplicationID):
		return fmt.Sprintf("application_id %q is not a UUID", t.ApplicationID)
	case strings.TrimSpace(t.Name) == "":
		return "name is missing"
	case !slices.Contains(integrationModes, t.IntegrationMode):
		return fmt.Sprintf("integration_mode %q is not read or read_write", t.IntegrationMode)
	case !slices.Contains(statuses, t.Status):
		return fmt.Sprintf("status %q is not active or inactive", t.Status)
	case t.ConnectedAt.IsZero():
		return "connected_at is missing"
	case !slices.Contains(syncStates, t.Synchronization.State):
		return fmt.Sprintf("synchronization.state %q is not one of %s", t.Synchronization.State, strings.Join(syncStates, ", "))
	case slices.Contains(t.Tags, ""):
		return "a tag is empty"
	}
	return ""
}

// checkTenant returns an *InvalidAnswerError when t breaks the contract.
func checkTenant(cl call, ans *answer, t *AzureTenant, wantTenantID string, secrets []string) error {
	if p := t.problem(wantTenantID); p != "" {
		return &InvalidAnswerError{Method: cl.method, Path: cl.path, RequestID: ans.header.Get(headerRequestID), Problem: p,
			secrets: secrets}
	}
	return nil
}
