package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSlug(t *testing.T) {
	for heading, want := range map[string]string{
		"Retries and deadlines":                     "retries-and-deadlines",
		"Creating, so that a lost answer converges": "creating-so-that-a-lost-answer-converges",
		"Reads, single and from list pages":         "reads-single-and-from-list-pages",
		"The plan-time check":                       "the-plan-time-check",
		"Entra ID propagation":                      "entra-id-propagation",
		"Azure pre-flight":                          "azure-pre-flight",
	} {
		if got := slug(heading); got != want {
			t.Errorf("slug(%q) = %q, want %q", heading, got, want)
		}
	}
}

func TestHeadings_allButLayout(t *testing.T) {
	design := "# Design\n\nIntro.\n\n## Layout\n\nx\n\n## Tokens\n\nOne token.\n### Not this\n## Reads, single and from list pages \n"
	got := headings(design)
	want := []string{"Tokens", "Reads, single and from list pages"}
	if !slices.Equal(got, want) {
		t.Fatalf("headings = %q, want %q", got, want)
	}
}

func three(slug string) []mutation {
	var ms []mutation
	for _, name := range []string{"a", "b", "c"} {
		ms = append(ms, mutation{ID: slug + "/" + name, Clause: "c", File: "f.go", Find: "x", Replace: "y", Package: "./p", Run: "^T$"})
	}
	return ms
}

func TestCheckCatalogue(t *testing.T) {
	hs := []string{"Tokens", "Reads, single and from list pages", "Masking"}
	short := three("masking")[:2]
	dup := three("tokens")
	dup[2].ID = "tokens/a"
	misnamed := three("reads-single-and-from-list-pages")
	misnamed[0].ID = "reads/a"
	misnamed[1].Run = ""
	misnamed[2].Replace = misnamed[2].Find
	cat := catalogue{
		"tokens":                           dup,
		"reads-single-and-from-list-pages": misnamed,
		"masking":                          short,
		"extra":                            three("extra"),
	}
	want := []string{
		"masking.json has 2 mutations",
		"extra.json matches no `## ` heading",
		"tokens/a: id used twice",
		`id "reads/a" does not start with "reads-single-and-from-list-pages/"`,
		"id, clause, file, find, package and run are all needed",
		"reads-single-and-from-list-pages/c: replace is find",
	}
	problems := checkCatalogue(hs, cat, true)
	for _, w := range want {
		if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, w) }) {
			t.Errorf("no problem says %q; problems:\n%s", w, strings.Join(problems, "\n"))
		}
	}
	if len(problems) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(problems), len(want), strings.Join(problems, "\n"))
	}

	delete(cat, "masking")
	if problems := checkCatalogue(hs, cat, true); !slices.ContainsFunc(problems, func(p string) bool {
		return strings.Contains(p, `masking.json is missing: DESIGN.md's "Masking" needs at least 3 mutations`)
	}) {
		t.Errorf("a missing file is not named:\n%s", strings.Join(problems, "\n"))
	}
	// -only runs a subset: a missing file is not a problem then, a bad one still is.
	if problems := checkCatalogue(hs, cat, false); slices.ContainsFunc(problems, func(p string) bool {
		return strings.Contains(p, "masking")
	}) || len(problems) != 5 {
		t.Errorf("with complete unset, problems:\n%s", strings.Join(problems, "\n"))
	}

	good := catalogue{"tokens": three("tokens"), "masking": three("masking"), "reads-single-and-from-list-pages": three("reads-single-and-from-list-pages")}
	if problems := checkCatalogue(hs, good, true); len(problems) != 0 {
		t.Errorf("a good catalogue has problems:\n%s", strings.Join(problems, "\n"))
	}
}

func TestLoadCatalogue(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "tokens.json"), `[{"id": "tokens/a", "clause": "one fetch", "file": "internal/client/tokens.go",
		"find": "x", "replace": "y", "package": "./internal/client", "run": "^TestA$", "cli": ""}]`)
	cat, err := loadCatalogue(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := mutation{ID: "tokens/a", Clause: "one fetch", File: "internal/client/tokens.go", Find: "x", Replace: "y", Package: "./internal/client", Run: "^TestA$"}
	if len(cat) != 1 || len(cat["tokens"]) != 1 || cat["tokens"][0] != want {
		t.Fatalf("catalogue = %+v", cat)
	}

	write(t, filepath.Join(dir, "reads.json"), `[{"id": "reads/a", "fnid": "x"}]`)
	if _, err := loadCatalogue(dir); err == nil || !strings.Contains(err.Error(), "reads.json") || !strings.Contains(err.Error(), "fnid") {
		t.Fatalf("a misspelt field: err = %v, want one naming reads.json and the field", err)
	}
}

// The catalogue in the tree parses and is well formed; whether it covers every heading, and
// whether each find still occurs once, is make mutate's to say.
func TestLoadCatalogue_ofTheTree(t *testing.T) {
	design, err := os.ReadFile("../../DESIGN.md")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := loadCatalogue("catalogue")
	if err != nil {
		t.Fatal(err)
	}
	if problems := checkCatalogue(headings(string(design)), cat, false); len(problems) != 0 {
		t.Fatalf("catalogue problems:\n%s", strings.Join(problems, "\n"))
	}
}

func TestMutant(t *testing.T) {
	m := mutation{File: "f.go", Find: "a + b", Replace: "a - b"}
	got, err := mutant([]byte("return a + b\n"), m)
	if err != nil || string(got) != "return a - b\n" {
		t.Fatalf("mutant = %q, %v", got, err)
	}
	for src, n := range map[string]string{"return a+b": "0", "a + b; a + b": "2"} {
		if _, err := mutant([]byte(src), m); err == nil || !strings.HasPrefix(err.Error(), "stale: find occurs "+n+" times in f.go") {
			t.Errorf("mutant of %q: err = %v, want stale, %s times", src, err, n)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		name, out       string
		passed          bool
		verdict, detail string
	}{
		{"a failed test", "=== RUN   TestA\n--- FAIL: TestA (0.01s)\n    --- FAIL: TestA/sub (0.00s)\n=== RUN   TestB\n--- PASS: TestB (0.00s)\n--- FAIL: TestC (1.00s)\nFAIL\nFAIL\tm/p\t1.2s\n", false, caught, "TestA TestC"},
		{"a time-out", "=== RUN   TestA\npanic: test timed out after 5m0s\n\trunning tests:\n\t\tTestA (5m0s)\nFAIL\tm/p\t300.1s\n", false, caught, "timed out"},
		{"every test passed", "=== RUN   TestA\n--- PASS: TestA (0.01s)\nPASS\nok  \tm/p\t0.1s\n", true, survived, "every test passed"},
		{"no test selected", "testing: warning: no tests to run\nPASS\nok  \tm/p\t0.1s [no tests to run]\n", true, failed, "runs no test"},
		{"every test skipped", "=== RUN   TestAcc\n    x_test.go:1: Acceptance tests skipped unless env 'TF_ACC' set\n--- SKIP: TestAcc (0.00s)\nPASS\nok  \tm/p\t0.1s\n", true, failed, "runs no test"},
		{"the test binary does not build", "# m/p\np/x.go:3:2: undefined: y\nFAIL\tm/p [build failed]\n", false, failed, "does not compile"},
		{"setup failed", "# m/p\nno required module provides package\nFAIL\tm/p [setup failed]\n", false, failed, "does not compile"},
		{"a crash without a failing test", "panic: boom\nFAIL\tm/p\t0.1s\n", false, failed, "go test failed without a failing test"},
	} {
		verdict, detail := classify(c.out, c.passed)
		if verdict != c.verdict || detail != c.detail {
			t.Errorf("%s: classify = %q, %q; want %q, %q", c.name, verdict, detail, c.verdict, c.detail)
		}
	}
}

func TestTestEnv(t *testing.T) {
	environ := []string{"HOME=/h", "GOFLAGS=-buildvcs=false", "SEGURA_URL=https://x", "SEGURA_TEST_PROVIDER_BIN=/old", "TF_ACC=1"}
	env, err := testEnv(environ, "", "", "/tmp/o.json")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"HOME=/h", "GOFLAGS=-buildvcs=false -overlay=/tmp/o.json"}; !slices.Equal(env, want) {
		t.Errorf("env = %q, want %q", env, want)
	}

	if _, err := testEnv(environ, "", "terraform-1.5.7", "/tmp/o.json"); err == nil || !strings.Contains(err.Error(), "-tools") {
		t.Errorf("a cli without -tools: err = %v", err)
	}
	tools := t.TempDir()
	if _, err := testEnv(environ, tools, "terraform-1.5.7", "/tmp/o.json"); err == nil || !strings.Contains(err.Error(), "terraform-1.5.7") {
		t.Errorf("a cli not built: err = %v", err)
	}
	write(t, filepath.Join(tools, "bin", "terraform-1.5.7"), "")
	env, err = testEnv(environ, tools, "terraform-1.5.7", "/tmp/o.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range []string{"TF_ACC=1", "TF_ACC_PROVIDER_NAMESPACE=hashicorp", "TF_CLI_CONFIG_FILE=" + filepath.Join(tools, "empty.tfrc"),
		"CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_ACC_TERRAFORM_PATH=" + filepath.Join(tools, "bin", "terraform-1.5.7")} {
		if !slices.Contains(env, kv) {
			t.Errorf("env lacks %s: %q", kv, env)
		}
	}
}

// try on a module of its own: the mutant reaches the tests through the overlay, and the file
// in the tree is left as it was.
func TestTry(t *testing.T) {
	if testing.Short() {
		t.Skip("it runs go test four times")
	}
	root := t.TempDir()
	write(t, filepath.Join(root, "go.mod"), "module m\n\ngo 1.22\n")
	src := "package p\n\nfunc Add(a, b int) int { return a + b }\n\nfunc Sub(a, b int) int { return a - b }\n"
	write(t, filepath.Join(root, "p", "p.go"), src)
	write(t, filepath.Join(root, "p", "p_test.go"), "package p\n\nimport \"testing\"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(2, 1) != 3 {\n\t\tt.Fatal(\"Add\")\n\t}\n}\n")
	base := mutation{File: "p/p.go", Package: "./p", Run: "^TestAdd$"}
	for _, c := range []struct {
		id, find, replace, run string
		verdict, detail        string
	}{
		{"caught", "a + b", "a - b", "", caught, "TestAdd"},
		{"survived", "return a - b", "return b - a", "", survived, "every test passed"},
		{"broken", "a + b", "a + c", "", failed, "does not compile"},
		{"no-test", "a + b", "a - b", "^TestNone$", failed, "runs no test"},
		{"stale", "a * b", "a - b", "", failed, "stale: find occurs 0 times in p/p.go, not once"},
	} {
		m := base
		m.ID, m.Find, m.Replace = c.id, c.find, c.replace
		if c.run != "" {
			m.Run = c.run
		}
		r := try(root, "", m, time.Minute)
		if r.verdict != c.verdict || r.detail != c.detail || r.took <= 0 {
			t.Errorf("%s: %s %s in %v, want %s %s\n%s", c.id, r.verdict, r.detail, r.took, c.verdict, c.detail, r.output)
		}
	}
	if got, err := os.ReadFile(filepath.Join(root, "p", "p.go")); err != nil || string(got) != src {
		t.Errorf("the tree's file changed: %q, %v", got, err)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// buildTests tells a tree that does not build from a mutant that does not compile.
func TestBuildTests(t *testing.T) {
	if testing.Short() {
		t.Skip("it runs go test")
	}
	root := t.TempDir()
	write(t, filepath.Join(root, "go.mod"), "module m\n\ngo 1.22\n")
	write(t, filepath.Join(root, "p", "p.go"), "package p\n\nfunc Add(a, b int) int { return a + b }\n")
	ms := []mutation{{Package: "./p"}, {Package: "./p"}}
	if out, err := buildTests(root, ms); err != nil {
		t.Fatalf("a tree that builds: %v\n%s", err, out)
	}
	write(t, filepath.Join(root, "p", "q.go"), "package p\n\nvar x = y\n")
	if out, err := buildTests(root, ms); err == nil || !strings.Contains(out, "undefined: y") {
		t.Fatalf("a tree that does not build: %v\n%s", err, out)
	}
}
