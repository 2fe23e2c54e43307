package provider

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"testing"
)

// TestTestSteps_noCheckOnAFailingStep: terraform-plugin-testing never calls the Check of a
// step whose apply fails as ExpectError wants, so such a Check asserts nothing. Put it in the
// next step's PreConfig, or after the test case.
func TestTestSteps_noCheckOnAFailingStep(t *testing.T) {
	files, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	steps := 0
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			// resource.TestStep{...}, or the elements of []resource.TestStep{{...}}.
			var candidates []*ast.CompositeLit
			switch typ := lit.Type.(type) {
			case *ast.SelectorExpr:
				if isTestStep(typ) {
					candidates = append(candidates, lit)
				}
			case *ast.ArrayType:
				if sel, ok := typ.Elt.(*ast.SelectorExpr); ok && isTestStep(sel) {
					for _, elt := range lit.Elts {
						if step, ok := elt.(*ast.CompositeLit); ok {
							candidates = append(candidates, step)
						}
					}
				}
			}
			for _, step := range candidates {
				steps++
				if hasKey(step, "ExpectError") && hasKey(step, "Check") {
					t.Errorf("%s: a TestStep with ExpectError has a Check, which never runs", fset.Position(step.Pos()))
				}
			}
			return true
		})
	}
	if steps < 10 {
		t.Fatalf("found only %d test steps: the search no longer recognises them", steps)
	}
}

func isTestStep(sel *ast.SelectorExpr) bool {
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "resource" && sel.Sel.Name == "TestStep"
}

func hasKey(lit *ast.CompositeLit, key string) bool {
	for _, elt := range lit.Elts {
		if kv, ok := elt.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok && id.Name == key {
				return true
			}
		}
	}
	return false
}
