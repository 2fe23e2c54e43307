// Command mutation proves that the tests guard every mechanism of DESIGN.md: it makes each
// plausible bug of internal/mutation/catalogue and checks that a test fails on it.
//
// Each catalogue file holds the mutations of one DESIGN.md paragraph: a `find` text of a
// source file, the `replace` text that breaks one clause, and the tests (`package`, `run`)
// that must catch it. The mutant is given to `go test` as an overlay (go test -overlay, and
// GOFLAGS for the tests that `go build` the provider themselves), not as a patch file or
// through a mutation tool: an overlay never touches the tree, so mutations run beside other
// work in the same checkout, and a find/replace text survives unrelated edits of its file;
// one whose text has changed is reported as stale rather than applied somewhere else.
//
// A mutation is caught when a test fails; it survives when every test passes, and it is an
// error when it does not compile or runs no test (none selected, or all skipped). The run
// fails unless every mutation is caught and every DESIGN.md paragraph but Layout has a
// catalogue file of at least 3 mutations (with -only, a missing file is not checked).
//
//	go run ./internal/mutation -tools .tools [-only REGEX] [-parallel N] [-list] [-v]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// A mutation is one entry of a catalogue file.
type mutation struct {
	ID      string `json:"id"`
	Clause  string `json:"clause"`
	File    string `json:"file"`
	Find    string `json:"find"`
	Replace string `json:"replace"`
	Package string `json:"package"`
	Run     string `json:"run"`
	CLI     string `json:"cli"`
}

// A catalogue is the mutations of each file of the catalogue folder, by slug (file name
// without .json).
type catalogue map[string][]mutation

func main() {
	tools := flag.String("tools", "", "the .tools folder that holds bin/<cli> and empty.tfrc (needed by mutations with a cli)")
	only := flag.String("only", "", "run only the mutations whose id matches this regular expression; the catalogue's completeness is then not checked")
	parallel := flag.Int("parallel", 2, "mutations run at once")
	list := flag.Bool("list", false, "print the catalogue (id, clause, run) and exit")
	timeout := flag.Duration("timeout", 5*time.Minute, "go test -timeout of each mutation")
	verbose := flag.Bool("v", false, "print go test's output of every mutation, not only of those not caught")
	flag.Parse()
	if flag.NArg() != 0 || *parallel < 1 {
		flag.Usage()
		os.Exit(2)
	}
	os.Exit(run(*tools, *only, *parallel, *list, *verbose, *timeout, os.Stdout))
}

func run(tools, only string, parallel int, list, verbose bool, timeout time.Duration, stdout io.Writer) int {
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(stdout, err)
		return 2
	}
	design, err := os.ReadFile(filepath.Join(root, "DESIGN.md"))
	if err != nil {
		fmt.Fprintln(stdout, err)
		return 2
	}
	cat, err := loadCatalogue(filepath.Join(root, "internal", "mutation", "catalogue"))
	if err != nil {
		fmt.Fprintln(stdout, err)
		return 2
	}
	problems := checkCatalogue(headings(string(design)), cat, only == "")
	for _, p := range problems {
		fmt.Fprintln(stdout, "catalogue:", p)
	}

	var selected []mutation
	var onlyRE *regexp.Regexp
	if only != "" {
		if onlyRE, err = regexp.Compile(only); err != nil {
			fmt.Fprintln(stdout, "-only:", err)
			return 2
		}
	}
	for _, slug := range sortedKeys(cat) {
		for _, m := range cat[slug] {
			if onlyRE == nil || onlyRE.MatchString(m.ID) {
				selected = append(selected, m)
			}
		}
	}
	if list {
		for _, m := range selected {
			fmt.Fprintf(stdout, "%s\t%s\t%s\n", m.ID, m.Clause, m.Run)
		}
		return exitCode(len(problems) == 0)
	}
	if len(selected) == 0 {
		fmt.Fprintln(stdout, "no mutation selected")
		return 1
	}
	if tools != "" {
		if tools, err = filepath.Abs(tools); err != nil {
			fmt.Fprintln(stdout, err)
			return 2
		}
	}

	start := time.Now()
	if out, err := buildTests(root, selected); err != nil {
		fmt.Fprintf(stdout, "the tree itself does not build, so no mutation can be judged:\n%s\n", indent(tail(out, 30)))
		return 1
	}
	jobs := make(chan mutation)
	var mu sync.Mutex
	counts := map[string]int{}
	var wg sync.WaitGroup
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range jobs {
				r := try(root, tools, m, timeout)
				mu.Lock()
				counts[r.verdict]++
				fmt.Fprintln(stdout, r.line(verbose))
				mu.Unlock()
			}
		}()
	}
	for _, m := range selected {
		jobs <- m
	}
	close(jobs)
	wg.Wait()
	fmt.Fprintf(stdout, "%d mutations: %d caught, %d survived, %d errors; %d catalogue problems (%.0fs)\n",
		len(selected), counts[caught], counts[survived], counts[failed], len(problems), time.Since(start).Seconds())
	return exitCode(counts[caught] == len(selected) && len(problems) == 0)
}

func exitCode(ok bool) int {
	if ok {
		return 0
	}
	return 1
}

// moduleRoot is the folder of the go.mod above the working directory, where DESIGN.md is.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory: run from the repository")
		}
		dir = parent
	}
}

// headings are the `## ` headings of DESIGN.md that describe a mechanism: all but Layout.
func headings(design string) []string {
	var hs []string
	for _, line := range strings.Split(design, "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			if h = strings.TrimSpace(h); h != "Layout" {
				hs = append(hs, h)
			}
		}
	}
	return hs
}

// slug is a heading's catalogue file name: lower case, spaces as hyphens, punctuation dropped.
func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}

func loadCatalogue(dir string) (catalogue, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	cat := catalogue{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		var ms []mutation
		if err := dec.Decode(&ms); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(p), err)
		}
		cat[strings.TrimSuffix(filepath.Base(p), ".json")] = ms
	}
	return cat, nil
}

// checkCatalogue returns what is wrong with the catalogue: a file that matches no heading, a
// mutation incomplete or misnamed, an id used twice, and, when complete is set, a heading
// without a file of at least 3 mutations.
func checkCatalogue(hs []string, cat catalogue, complete bool) []string {
	var problems []string
	want := map[string]bool{}
	for _, h := range hs {
		s := slug(h)
		want[s] = true
		if complete && len(cat[s]) < 3 {
			if _, ok := cat[s]; !ok {
				problems = append(problems, fmt.Sprintf("%s.json is missing: DESIGN.md's %q needs at least 3 mutations", s, h))
			} else {
				problems = append(problems, fmt.Sprintf("%s.json has %d mutations: DESIGN.md's %q needs at least 3", s, len(cat[s]), h))
			}
		}
	}
	seen := map[string]bool{}
	for _, s := range sortedKeys(cat) {
		if !want[s] {
			problems = append(problems, s+".json matches no `## ` heading of DESIGN.md")
		}
		for i, m := range cat[s] {
			switch {
			case m.ID == "" || m.Clause == "" || m.File == "" || m.Find == "" || m.Package == "" || m.Run == "":
				problems = append(problems, fmt.Sprintf("%s.json[%d] %q: id, clause, file, find, package and run are all needed", s, i, m.ID))
			case !strings.HasPrefix(m.ID, s+"/"):
				problems = append(problems, fmt.Sprintf("%s.json[%d]: id %q does not start with %q", s, i, m.ID, s+"/"))
			case m.Find == m.Replace:
				problems = append(problems, m.ID+": replace is find, it changes nothing")
			}
			if seen[m.ID] {
				problems = append(problems, m.ID+": id used twice")
			}
			seen[m.ID] = true
		}
	}
	return problems
}

func sortedKeys(cat catalogue) []string {
	return slices.Sorted(maps.Keys(cat))
}

// buildTests builds the test binaries of the packages of ms, unmutated, and runs nothing, so
// that a tree that does not build is reported once, not as a mutant that does not compile.
func buildTests(root string, ms []mutation) (string, error) {
	args := []string{"test", "-count=1", "-run", "^$"}
	for _, m := range ms {
		if !slices.Contains(args, m.Package) {
			args = append(args, m.Package)
		}
	}
	cmd := exec.CommandContext(context.Background(), "go", args...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// mutant is the source with find replaced, or why it cannot be made.
func mutant(src []byte, m mutation) ([]byte, error) {
	if n := bytes.Count(src, []byte(m.Find)); n != 1 {
		return nil, fmt.Errorf("stale: find occurs %d times in %s, not once", n, m.File)
	}
	return bytes.Replace(src, []byte(m.Find), []byte(m.Replace), 1), nil
}

const (
	caught   = "caught"
	survived = "SURVIVED"
	failed   = "error"
)

type result struct {
	id      string
	verdict string // caught, SURVIVED or error
	detail  string // the failing tests, or what went wrong
	output  string // go test's output
	took    time.Duration
}

func (r result) line(verbose bool) string {
	s := fmt.Sprintf("%-8s %s  %s  (%.0fs)", r.verdict, r.id, r.detail, r.took.Seconds())
	switch {
	case verbose:
		s += "\n" + indent(strings.TrimRight(r.output, "\n"))
	case r.verdict != caught && r.output != "":
		s += "\n" + indent(tail(r.output, 30))
	}
	return s
}

// try runs the tests of one mutation on its mutant.
func try(root, tools string, m mutation, timeout time.Duration) (r result) {
	start := time.Now()
	r = result{id: m.ID, verdict: failed}
	defer func() { r.took = time.Since(start) }()

	file := filepath.Join(root, m.File)
	src, err := os.ReadFile(file)
	if err != nil {
		r.detail = err.Error()
		return r
	}
	mut, err := mutant(src, m)
	if err != nil {
		r.detail = err.Error()
		return r
	}
	dir, err := os.MkdirTemp("", "mutation-")
	if err != nil {
		r.detail = err.Error()
		return r
	}
	defer os.RemoveAll(dir) // a leftover temporary folder is harmless
	overlay := filepath.Join(dir, "overlay.json")
	replaced := filepath.Join(dir, filepath.Base(file))
	ov, err := json.Marshal(map[string]map[string]string{"Replace": {file: replaced}})
	if err == nil {
		err = os.WriteFile(replaced, mut, 0o600)
	}
	if err == nil {
		err = os.WriteFile(overlay, ov, 0o600)
	}
	if err != nil {
		r.detail = err.Error()
		return r
	}

	env, err := testEnv(os.Environ(), tools, m.CLI, overlay)
	if err != nil {
		r.detail = err.Error()
		return r
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout+time.Minute)
	defer cancel()
	// The mutated package first, so that a mutant that does not compile is told from one
	// that a test catches, even in tests that build the provider themselves.
	build := exec.CommandContext(ctx, "go", "build", "-o", os.DevNull, "./"+filepath.ToSlash(filepath.Dir(m.File)))
	build.Dir = root
	build.Env = env
	if out, err := build.CombinedOutput(); err != nil {
		r.detail, r.output = "does not compile", string(out)
		return r
	}
	// -v, so that a test that skips is told from one that passes.
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-v", "-timeout", timeout.String(),
		"-overlay", overlay, "-run", m.Run, m.Package)
	cmd.Dir = root
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		r.detail = err.Error()
		return r
	}
	r.verdict, r.detail = classify(string(out), err == nil)
	r.output = string(out)
	return r
}

// testEnv is the environment of go test for a mutation: the mutant in GOFLAGS, so that the
// tests that `go build` the provider build it, and for a mutation with a cli the GNUmakefile's
// TESTACC_ENV. Variables that would point the tests at another server or another build of the
// provider are dropped: a mutant is tested against the emulator and this tree.
func testEnv(environ []string, tools, cli, overlay string) ([]string, error) {
	drop := map[string]bool{"GOFLAGS": true, "SEGURA_URL": true, "SEGURA_TEST_PROVIDER_BIN": true,
		"TF_ACC": true, "TF_ACC_TERRAFORM_PATH": true}
	var env []string
	goflags := ""
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if k == "GOFLAGS" {
			goflags = v
		}
		if !drop[k] {
			env = append(env, kv)
		}
	}
	env = append(env, "GOFLAGS="+strings.TrimSpace(goflags+" -overlay="+overlay))
	if cli == "" {
		return env, nil
	}
	if tools == "" {
		return nil, fmt.Errorf("it needs the CLI %s: pass -tools", cli)
	}
	path := filepath.Join(tools, "bin", cli)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("it needs the CLI %s: %w (make mutate builds it)", cli, err)
	}
	return append(env, "TF_ACC=1", "TF_ACC_PROVIDER_NAMESPACE=hashicorp",
		"TF_CLI_CONFIG_FILE="+filepath.Join(tools, "empty.tfrc"), "CHECKPOINT_DISABLE=1",
		"TF_IN_AUTOMATION=1", "TF_ACC_TERRAFORM_PATH="+path), nil
}

var (
	failLine = regexp.MustCompile(`(?m)^\s*--- FAIL: (\S+)`)
	passLine = regexp.MustCompile(`(?m)^\s*--- PASS: `)
)

// classify reads the output of go test -v on a mutant: a failed test catches it, tests that
// all pass let it survive, and a mutant that does not build, or tests that do not run (none
// selected, all skipped), prove nothing.
func classify(out string, passed bool) (verdict, detail string) {
	if strings.Contains(out, "build failed") || strings.Contains(out, "setup failed") {
		return failed, "does not compile"
	}
	var names []string
	for _, m := range failLine.FindAllStringSubmatch(out, -1) {
		if name := m[1]; !strings.Contains(name, "/") && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	switch {
	case len(names) > 0:
		return caught, strings.Join(names, " ")
	case strings.Contains(out, "panic: test timed out"):
		return caught, "timed out"
	case !passed:
		return failed, "go test failed without a failing test"
	case strings.Contains(out, "no tests to run") || !passLine.MatchString(out):
		return failed, "runs no test"
	default:
		return survived, "every test passed"
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
