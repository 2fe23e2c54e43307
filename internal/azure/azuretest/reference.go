// Package azuretest reads the verified reference of the Microsoft Graph permissions and Azure
// roles each integration mode needs. It is an oracle for tests: it shares no code with the
// package azure tables it checks.
package azuretest

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
)

//go:embed testdata/azure-permissions.tsv
var referenceTSV string

// Row is one row of the reference.
type Row struct {
	Kind     string // graph_app_role, azure_role or app_id
	Name     string
	ID       string
	NeededBy []string // integration modes; empty for app_id
}

// Rows are the reference's rows, in file order. It panics on a malformed file, which is a
// fault of the repository, not of the code under test.
func Rows() []Row {
	lines := strings.Split(strings.TrimSpace(referenceTSV), "\n")
	var rows []Row
	for _, line := range lines[1:] { // the first line names the columns
		cols := strings.Split(line, "\t")
		if len(cols) != 4 {
			panic(fmt.Sprintf("azuretest: malformed reference row %q", line))
		}
		r := Row{Kind: cols[0], Name: cols[1], ID: cols[2]}
		if cols[3] != "-" {
			r.NeededBy = strings.Split(cols[3], ",")
		}
		rows = append(rows, r)
	}
	return rows
}

// For returns the rows of kind that mode needs, in file order.
func For(kind, mode string) []Row {
	var out []Row
	for _, r := range Rows() {
		if r.Kind == kind && slices.Contains(r.NeededBy, mode) {
			out = append(out, r)
		}
	}
	return out
}
