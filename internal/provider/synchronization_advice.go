package provider

import (
	"fmt"

	"github.com/segura/terraform-provider-segura/internal/client"
)

// syncFailure says what a failed synchronization of a connection means and what to do, for
// the reprocess action's error and the refresh's warning alike. fixes is the kind's own advice.
func syncFailure(what, id string, s client.Synchronization, fixes syncFixes) (summary, detail string) {
	message := ""
	if s.Message != "" {
		message = fmt.Sprintf(" Segura says: %q.", s.Message)
	}
	failed := fmt.Sprintf("The last synchronization of %s %s failed", what, id)
	switch s.Reason {
	case client.SyncReasonInvalidCredentials:
		return "Credentials of " + what + " " + id + " no longer work",
			fmt.Sprintf("%s: its credentials no longer work (invalid_credentials).%s Setup shows an alert, and the "+
				"connection's data stops updating. %s", failed, message, fixes.credentials)
	case client.SyncReasonMissingPermissions:
		return "Synchronization of " + what + " " + id + " lacks permissions",
			fmt.Sprintf("%s: the connection lacks permissions (missing_permissions).%s %s", failed, message, fixes.permissions)
	case client.SyncReasonMissingRole:
		return "Synchronization of " + what + " " + id + " lacks a role",
			fmt.Sprintf("%s: the connection lacks a role (missing_role).%s %s", failed, message, fixes.roles)
	}
	return "Synchronization of " + what + " " + id + " failed",
		fmt.Sprintf("%s (%s).%s Reprocess it later; if it keeps failing, contact Segura support.", failed, s.Reason, message)
}

// syncFixes is what a kind advises for each reason of a failed synchronization that its
// configuration can mend.
type syncFixes struct {
	credentials, permissions, roles string
}
