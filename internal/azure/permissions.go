// Package azure holds the facts about Microsoft Entra ID and Azure that Cloud Entitlements
// depends on: the Graph application permissions and Azure roles each integration mode needs.
package azure

import (
	"slices"
	"strings"
)

// Integration modes, as the Cloud Entitlements API names them.
const (
	ModeRead      = "read"
	ModeReadWrite = "read_write"
)

// Modes lists every integration mode, in the order the product shows them.
var Modes = []string{ModeRead, ModeReadWrite}

// GraphAppID is the application ID of Microsoft Graph in every Entra ID tenant.
const GraphAppID = "00000003-0000-0000-c000-000000000000"

// Permission is a Microsoft Graph application permission (an app role of Microsoft Graph).
type Permission struct {
	Name string
	ID   string // the app role ID
	// ReadWriteOnly is true when only the read_write mode needs it.
	ReadWriteOnly bool
}

// Role is an Azure built-in role.
type Role struct {
	Name string
	ID   string // the role definition ID
}

// graphPermissions is the one table of Graph permissions; everything else derives from it.
// testdata/azure-permissions.tsv holds the verified source and a test compares them row by row.
var graphPermissions = []Permission{
	{Name: "Application.Read.All", ID: "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30"},
	{Name: "Application.ReadWrite.All", ID: "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", ReadWriteOnly: true},
	{Name: "AppRoleAssignment.ReadWrite.All", ID: "06b708a9-e830-4db3-a914-8e69da51d44f", ReadWriteOnly: true},
	{Name: "AuditLog.Read.All", ID: "b0afded3-3588-46d8-8b3d-9842eff778da"},
	{Name: "Directory.Read.All", ID: "7ab1d382-f21e-4acd-a863-ba3e13f7da61"},
	{Name: "Group.Read.All", ID: "5b567255-7703-4780-807c-7be8301ae99b"},
	{Name: "RoleManagement.Read.Directory", ID: "483bed4a-2ad3-4361-a73b-c83ccdbdc53c"},
	{Name: "RoleManagement.ReadWrite.Directory", ID: "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8", ReadWriteOnly: true},
	{Name: "User.Read.All", ID: "df021288-bdef-4463-88db-98f22de89214"},
	{Name: "UserAuthenticationMethod.Read.All", ID: "38d9df27-64da-44fd-b7c5-a6fbac20248f"},
}

// azureRoles are needed by both modes.
var azureRoles = []Role{
	{Name: "Reader", ID: "acdd72a7-3385-48ef-bd42-f606fba81ae7"},
	{Name: "Role Based Access Control Administrator", ID: "f58310d9-a9f6-439a-9e8d-f62e7b41a168"},
}

// ValidMode reports whether mode is an integration mode.
func ValidMode(mode string) bool { return slices.Contains(Modes, mode) }

// RequiredPermissions returns the Graph application permissions that mode needs, sorted by
// name. It returns nil for an unknown mode.
func RequiredPermissions(mode string) []Permission {
	if !ValidMode(mode) {
		return nil
	}
	var out []Permission
	for _, p := range graphPermissions {
		if mode == ModeReadWrite || !p.ReadWriteOnly {
			out = append(out, p)
		}
	}
	return out
}

// RequiredRoles returns the Azure roles that mode needs. It returns nil for an unknown mode.
func RequiredRoles(mode string) []Role {
	if !ValidMode(mode) {
		return nil
	}
	return slices.Clone(azureRoles)
}

// PermissionByID finds a Graph application permission by its app role ID, in any letter case.
func PermissionByID(id string) (Permission, bool) {
	i := slices.IndexFunc(graphPermissions, func(p Permission) bool { return strings.EqualFold(p.ID, id) })
	if i < 0 {
		return Permission{}, false
	}
	return graphPermissions[i], true
}

// PermissionByName finds a Graph permission of the table by its name.
func PermissionByName(name string) (Permission, bool) {
	i := slices.IndexFunc(graphPermissions, func(p Permission) bool { return p.Name == name })
	if i < 0 {
		return Permission{}, false
	}
	return graphPermissions[i], true
}

// RoleByName finds an Azure role of the table by its name.
func RoleByName(name string) (Role, bool) {
	i := slices.IndexFunc(azureRoles, func(r Role) bool { return r.Name == name })
	if i < 0 {
		return Role{}, false
	}
	return azureRoles[i], true
}

// MissingPermissions returns the names of the permissions that mode needs and granted lacks.
func MissingPermissions(mode string, granted []string) []string {
	var missing []string
	for _, p := range RequiredPermissions(mode) {
		if !slices.Contains(granted, p.Name) {
			missing = append(missing, p.Name)
		}
	}
	return missing
}

// MissingRoles returns the names of the roles that mode needs and assigned lacks.
func MissingRoles(mode string, assigned []string) []string {
	var missing []string
	for _, r := range RequiredRoles(mode) {
		if !slices.Contains(assigned, r.Name) {
			missing = append(missing, r.Name)
		}
	}
	return missing
}
