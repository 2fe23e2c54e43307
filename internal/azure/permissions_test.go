package azure

import (
	"slices"
	"testing"

	"github.com/segura/terraform-provider-segura/internal/azure/azuretest"
)

// TestTable_matchesReference compares the Go table with the verified reference, row by row,
// in both directions, so that a typo in a GUID or a mode fails here.
func TestTable_matchesReference(t *testing.T) {
	seenPerms, seenRoles := 0, 0
	for _, row := range azuretest.Rows() {
		switch row.Kind {
		case "graph_app_role":
			seenPerms++
			p, ok := PermissionByName(row.Name)
			if !ok {
				t.Errorf("permission %s is missing from the table", row.Name)
				continue
			}
			if p.ID != row.ID {
				t.Errorf("permission %s: table has ID %s, reference %s", row.Name, p.ID, row.ID)
			}
			for _, mode := range Modes {
				want := slices.Contains(row.NeededBy, mode)
				got := slices.ContainsFunc(RequiredPermissions(mode), func(q Permission) bool { return q.Name == row.Name })
				if got != want {
					t.Errorf("permission %s for mode %s: table says %v, reference %v", row.Name, mode, got, want)
				}
			}
		case "azure_role":
			seenRoles++
			r, ok := RoleByName(row.Name)
			if !ok {
				t.Errorf("role %s is missing from the table", row.Name)
				continue
			}
			if r.ID != row.ID {
				t.Errorf("role %s: table has ID %s, reference %s", row.Name, r.ID, row.ID)
			}
			for _, mode := range Modes {
				want := slices.Contains(row.NeededBy, mode)
				got := slices.ContainsFunc(RequiredRoles(mode), func(q Role) bool { return q.Name == row.Name })
				if got != want {
					t.Errorf("role %s for mode %s: table says %v, reference %v", row.Name, mode, got, want)
				}
			}
		case "app_id":
			if row.Name == "Microsoft Graph" && row.ID != GraphAppID {
				t.Errorf("GraphAppID is %s, reference %s", GraphAppID, row.ID)
			}
		default:
			t.Errorf("unknown kind %q in reference", row.Kind)
		}
	}
	if seenPerms != len(graphPermissions) || seenRoles != len(azureRoles) {
		t.Errorf("reference has %d permissions and %d roles, table %d and %d",
			seenPerms, seenRoles, len(graphPermissions), len(azureRoles))
	}
}

func TestMissingPermissions_byMode(t *testing.T) {
	var readNames []string
	for _, p := range RequiredPermissions(ModeRead) {
		readNames = append(readNames, p.Name)
	}
	if got := MissingPermissions(ModeRead, readNames); len(got) != 0 {
		t.Errorf("read with every read permission misses %v", got)
	}
	got := MissingPermissions(ModeReadWrite, readNames)
	want := []string{"Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "RoleManagement.ReadWrite.Directory"}
	if !slices.Equal(got, want) {
		t.Errorf("read_write with read permissions misses %v, want %v", got, want)
	}
	if got := MissingRoles(ModeRead, []string{"Reader"}); !slices.Equal(got, []string{"Role Based Access Control Administrator"}) {
		t.Errorf("MissingRoles = %v", got)
	}
	if RequiredPermissions("admin") != nil || RequiredRoles("admin") != nil {
		t.Error("an unknown mode must need nothing")
	}
}
