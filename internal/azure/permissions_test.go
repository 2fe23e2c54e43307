package azure

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestTable_matchesReference compares the Go table with the verified reference, row by row,
// in both directions, so that a typo in a GUID or a mode fails here.
func TestTable_matchesReference(t *testing.T) {
	f, err := os.Open("testdata/azure-permissions.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	seenPerms, seenRoles := 0, 0
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 4 {
			t.Fatalf("malformed reference row %q", sc.Text())
		}
		kind, name, guid, neededBy := cols[0], cols[1], cols[2], strings.Split(cols[3], ",")
		switch kind {
		case "graph_app_role":
			seenPerms++
			p, ok := PermissionByName(name)
			if !ok {
				t.Errorf("permission %s is missing from the table", name)
				continue
			}
			if p.ID != guid {
				t.Errorf("permission %s: table has ID %s, reference %s", name, p.ID, guid)
			}
			for _, mode := range Modes {
				want := slices.Contains(neededBy, mode)
				got := slices.ContainsFunc(RequiredPermissions(mode), func(q Permission) bool { return q.Name == name })
				if got != want {
					t.Errorf("permission %s for mode %s: table says %v, reference %v", name, mode, got, want)
				}
			}
		case "azure_role":
			seenRoles++
			r, ok := RoleByName(name)
			if !ok {
				t.Errorf("role %s is missing from the table", name)
				continue
			}
			if r.ID != guid {
				t.Errorf("role %s: table has ID %s, reference %s", name, r.ID, guid)
			}
			for _, mode := range Modes {
				want := slices.Contains(neededBy, mode)
				got := slices.ContainsFunc(RequiredRoles(mode), func(q Role) bool { return q.Name == name })
				if got != want {
					t.Errorf("role %s for mode %s: table says %v, reference %v", name, mode, got, want)
				}
			}
		case "app_id":
			if name == "Microsoft Graph" && guid != GraphAppID {
				t.Errorf("GraphAppID is %s, reference %s", GraphAppID, guid)
			}
		default:
			t.Errorf("unknown kind %q in reference", kind)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
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
