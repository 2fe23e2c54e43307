package provider

import (
	"fmt"

	"github.com/segura/terraform-provider-segura/internal/client"
)

// syncFailure says what a failed synchronization of a connection means and what to do, for
// the reprocess action's error and the refresh's warning alike.
func syncFailure(what, id string, s client.Synchronization) (summary, detail string) {
	message := ""
	if s.Message != "" {
		message = fmt.Sprintf(" Segura says: %q.", s.Message)
	}
	switch s.Reason {
	case client.SyncReasonInvalidCredentials:
		return "Credentials of " + what + " " + id + " no longer work",
			fmt.Sprintf("The last synchronization of %s %s failed: its credentials no longer work (invalid_credentials)."+
				"%s Setup shows an alert, and the tenant's data stops updating. Rotate the client secret: create a new "+
				"one in Certificates & secrets of the app registration, then set secret_value, or secret_value_wo with "+
				"a higher secret_value_wo_version, and apply (see the guide \"Rotating the client secret\").", what, id, message)
	case client.SyncReasonMissingPermissions:
		return "Synchronization of " + what + " " + id + " lacks permissions",
			fmt.Sprintf("The last synchronization of %s %s failed: the application lacks Microsoft Graph permissions "+
				"(missing_permissions).%s Grant them with admin consent: the segura_azure_required_permissions data "+
				"source lists each with its GUID.", what, id, message)
	case client.SyncReasonMissingRole:
		return "Synchronization of " + what + " " + id + " lacks a role",
			fmt.Sprintf("The last synchronization of %s %s failed: the application lacks an Azure role (missing_role).%s "+
				"Assign Reader and Role Based Access Control Administrator to its service principal.", what, id, message)
	}
	return "Synchronization of " + what + " " + id + " failed",
		fmt.Sprintf("The last synchronization of %s %s failed (%s).%s Reprocess it later; if it keeps failing, "+
			"contact Segura support.", what, id, s.Reason, message)
}
