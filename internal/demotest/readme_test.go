package demotest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	readmePath    = "../../README.md"
	makefilePath  = "../../GNUmakefile"
	walkthrough   = "## Trying it without a Segura account"
	buildLine     = "make build"
	blockDelimit  = "@@readme-block"
	walkthroughTO = 2 * time.Minute // a guard against a hang, never a pass
)

// fence is one fenced block of the README: its info string ("sh", "hcl", or "" for shown
// output) and its text.
type fence struct {
	lang, text string
}

// walkthroughFences returns the fenced blocks of the README's emulator section, in order.
func walkthroughFences(t *testing.T) []fence {
	t.Helper()
	src, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(src), "\n"+walkthrough)
	if !ok {
		t.Fatalf("README.md has no section %q", walkthrough)
	}
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	var fences []fence
	var cur *fence
	var body []string
	for _, line := range strings.Split(section, "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &fence{lang: strings.TrimPrefix(line, "```")}
			body = nil
		case cur != nil && line == "```":
			cur.text = strings.Join(body, "\n") + "\n"
			fences = append(fences, *cur)
			cur = nil
		case cur != nil:
			body = append(body, line)
		}
	}
	if cur != nil {
		t.Fatal("README.md: a fenced block of the emulator section is not closed")
	}
	return fences
}

// step is an sh block of the walkthrough and the output the README shows after it, if any.
type step struct {
	script, shown string
	showsOutput   bool
}

// freePort is a loopback port that nothing listened on a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// timestamps are the one part of an answer that differs from run to run.
var timestamps = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)

// TestREADME_emulatorWalkthroughRunsAsWritten runs the sh blocks of README.md's emulator
// section with bash, against the emulator built from this tree, and compares what they print
// with the output the README shows after them.
//
// It changes the README's text in these ways only: the fixed ports 8080 and 8443 become free
// ports and /tmp/ becomes the test's temporary folder, so that it runs beside anything else
// on the machine; the line `make build` is not run: the test builds bin/segura-emulator,
// which that line promises, itself, with the command of the GNUmakefile's build target,
// rather than rewrite bin/ of the working tree while other tests run. Timestamps in the
// shown output match any timestamp. The first sh block, which starts the emulator, runs in a
// process of its own, as in a terminal of its own; the others run in order in one shell.
func TestREADME_emulatorWalkthroughRunsAsWritten(t *testing.T) {
	for _, tool := range []string{"curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is missing, and CI must run the README walkthrough: install it (.ci/run does on Debian)", tool)
			}
			t.Skipf("the README's emulator walkthrough uses %s, which is not on PATH: install curl and jq to run it", tool)
		}
	}
	fences := walkthroughFences(t)
	var steps []step
	for i, f := range fences {
		if f.lang != "sh" {
			continue
		}
		s := step{script: f.text}
		if i+1 < len(fences) && fences[i+1].lang == "" {
			s.shown, s.showsOutput = fences[i+1].text, true
		}
		steps = append(steps, s)
	}
	if len(steps) < 3 || !strings.Contains(steps[0].script, "bin/segura-emulator") {
		t.Fatalf("README.md's emulator section: want the emulator's start and then at least two sh blocks, found %d sh blocks", len(steps))
	}
	dir := t.TempDir()
	apiPort, entraPort := freePort(t), freePort(t)
	rewrite := strings.NewReplacer("127.0.0.1:8080", "127.0.0.1:"+apiPort, "127.0.0.1:8443", "127.0.0.1:"+entraPort,
		"/tmp/", dir+"/").Replace

	// The start block: `make build`, then the emulator in the foreground.
	start := steps[0].script
	first, rest, _ := strings.Cut(start, "\n")
	if !strings.HasPrefix(first, buildLine+" ") && first != buildLine {
		t.Fatalf("README.md: the emulator section's first sh block starts with %q, want %q", first, buildLine)
	}
	makefile, err := os.ReadFile(makefilePath)
	if err != nil {
		t.Fatal(err)
	}
	const buildEmulator = "go build -o bin/segura-emulator ./cmd/segura-emulator"
	if !strings.Contains(string(makefile), "\t"+buildEmulator+"\n") {
		t.Fatalf("the GNUmakefile's build target no longer runs %q, which this test runs in place of make build", buildEmulator)
	}
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "bin", "segura-emulator"), "./cmd/segura-emulator")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the emulator: %v\n%s", err, out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), walkthroughTO)
	defer cancel()
	emulator := exec.CommandContext(ctx, "bash", "-c", rewrite(rest))
	emulator.Dir = dir
	emulator.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	emulator.Cancel = func() error { return syscall.Kill(-emulator.Process.Pid, syscall.SIGKILL) }
	emulator.Stderr = os.Stderr
	out, err := emulator.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := emulator.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-emulator.Process.Pid, syscall.SIGTERM)
		_ = emulator.Wait()
	})
	if !steps[0].showsOutput {
		t.Fatal("README.md shows no output after the emulator's start")
	}
	want := strings.Split(strings.TrimSuffix(rewrite(steps[0].shown), "\n"), "\n")
	lines := bufio.NewScanner(out)
	for i, w := range want {
		if !lines.Scan() {
			t.Fatalf("the emulator stopped after %d lines (%v); the README shows:\n%s", i, lines.Err(), steps[0].shown)
		}
		if got := lines.Text(); got != w {
			t.Errorf("the emulator printed, as line %d,\n  %s\nwhere the README shows\n  %s", i+1, got, w)
		}
	}
	// The emulator printed its last line once it listens on both ports. What it prints later
	// is read, so that it never blocks on a full pipe, and dropped.
	go func() { _, _ = io.Copy(io.Discard, out) }()

	// The other blocks, in one shell as a reader types them, each after a line that marks it.
	var script strings.Builder
	script.WriteString("set -euo pipefail\n")
	for i, s := range steps[1:] {
		fmt.Fprintf(&script, "echo %s-%d\n%s", blockDelimit, i+1, rewrite(s.script))
	}
	shell := exec.CommandContext(ctx, "bash", "-c", script.String())
	shell.Dir = dir
	got, err := shell.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's commands failed: %v\n%s", err, got)
	}
	outputs := regexp.MustCompile(blockDelimit+`-\d+\n`).Split(string(got), -1)
	if len(outputs) != len(steps) || outputs[0] != "" {
		t.Fatalf("the README's commands printed an unexpected shape:\n%s", got)
	}
	for i, s := range steps[1:] {
		gotOut, wantOut := outputs[i+1], rewrite(s.shown)
		if timestamps.ReplaceAllString(gotOut, "TIME") != timestamps.ReplaceAllString(wantOut, "TIME") {
			t.Errorf("sh block %d of the README's emulator section printed\n%s\nwhere the README shows\n%s\nThe block:\n%s",
				i+2, gotOut, wantOut, s.script)
		}
	}
}
