package demotest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const (
	libPath  = "../../examples/quickstart/lib.sh"
	demoPath = "../../examples/quickstart/demo.sh"
)

// fakeTerraform writes a CLI whose `version -json` prints version first and then about 2 MiB
// of provider selections, far more than a pipe holds, and exits code. A reader that stops at
// the first line (grep -q) therefore always leaves it writing into a closed pipe.
func fakeTerraform(t *testing.T, version string, code int) string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("{\n")
	if version != "" {
		fmt.Fprintf(&b, "  \"terraform_version\": %q,\n", version)
	}
	b.WriteString("  \"platform\": \"linux_amd64\",\n  \"provider_selections\": {\n")
	for i := range 40000 {
		fmt.Fprintf(&b, "    \"registry.terraform.io/example/p%05d\": \"1.0.0\",\n", i)
	}
	b.WriteString("    \"registry.terraform.io/segura/segura\": \"0.1.0\"\n  },\n  \"terraform_outdated\": false\n}\n")
	out := filepath.Join(dir, "version.json")
	if err := os.WriteFile(out, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	// As Terraform does, the process that writes is the CLI itself (exec): a write into a
	// closed pipe ends it with SIGPIPE.
	write := fmt.Sprintf("exec cat %q", out)
	if code != 0 {
		write = fmt.Sprintf("cat %q\nexit %d", out, code)
	}
	cli := filepath.Join(dir, "terraform")
	script := "#!/bin/sh\n[ \"$1\" = version ] || { echo \"fake terraform: only version\" >&2; exit 2; }\n" + write + "\n"
	if err := os.WriteFile(cli, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return cli
}

// runBash runs script under `set -euo pipefail`, as demo.sh does, with lib.sh sourced.
func runBash(t *testing.T, script string, env ...string) (stdout, stderr string, code int) {
	t.Helper()
	lib, err := filepath.Abs(libPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-c", "set -euo pipefail\n. \"$LIB\"\n"+script)
	cmd.Env = append(os.Environ(), append([]string{"LIB=" + lib}, env...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("running bash: %v", err)
	}
	return out.String(), errOut.String(), code
}

// TestRequireTerraform_versions is the condition of the terraform query step. A CLI whose
// version output is long must pass as surely as a short one: a `| grep -q` under pipefail
// failed on it every time.
func TestRequireTerraform_versions(t *testing.T) {
	cases := []struct {
		version string
		code    int
		ok      bool
		stderr  string
	}{
		{version: "1.16.4", ok: true},
		{version: "1.14.0", ok: true},
		{version: "1.20.1", ok: true},
		{version: "2.0.0", ok: true},
		{version: "1.13.5", stderr: "adoption with terraform query needs Terraform 1.14 or later, and FAKE is 1.13.5. Run make demo"},
		{version: "1.5.7", stderr: "needs Terraform 1.14 or later, and FAKE is 1.5.7"},
		{version: "0.15.0", stderr: "needs Terraform 1.14 or later, and FAKE is 0.15.0"},
		{version: "1.16.4", code: 1, stderr: "could not read the version of FAKE"},
		{version: "", stderr: "could not read the version of FAKE"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s exit %d", c.version, c.code), func(t *testing.T) {
			cli := fakeTerraform(t, c.version, c.code)
			stdout, stderr, code := runBash(t, `require_terraform "$CLI" 1.14 "adoption with terraform query"; echo passed`, "CLI="+cli)
			stderr = strings.ReplaceAll(stderr, cli, "FAKE")
			if c.ok {
				if code != 0 || stdout != "passed\n" || stderr != "" {
					t.Fatalf("require_terraform refused Terraform %s: exit %d, stdout %q, stderr %q", c.version, code, stdout, stderr)
				}
				return
			}
			if code == 0 || stdout != "" {
				t.Fatalf("require_terraform let Terraform %q (exit %d) pass: exit %d, stdout %q", c.version, c.code, code, stdout)
			}
			if !strings.Contains(stderr, c.stderr) {
				t.Errorf("stderr is %q, want it to contain %q", stderr, c.stderr)
			}
		})
	}
}

// TestCLIVersion_printsTheVersion checks what the demo would name in its message.
func TestCLIVersion_printsTheVersion(t *testing.T) {
	cli := fakeTerraform(t, "1.16.4", 0)
	stdout, stderr, code := runBash(t, `cli_version "$CLI"`, "CLI="+cli)
	if code != 0 || stdout != "1.16.4\n" {
		t.Fatalf("cli_version: exit %d, stdout %q, stderr %q; want 1.16.4", code, stdout, stderr)
	}
}

// TestDemo_failsBeforeStartingWhenAStepCannotRun: make demo always runs Terraform 1.16.4, so
// a CLI without terraform query is an error before anything starts, not a skipped step.
func TestDemo_failsBeforeStartingWhenAStepCannotRun(t *testing.T) {
	cli := fakeTerraform(t, "1.13.5", 0)
	demo, err := filepath.Abs(demoPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", demo)
	cmd.Env = append(os.Environ(), "TERRAFORM="+cli, "BIN_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("demo.sh with Terraform 1.13.5 did not fail (%v):\n%s", err, out)
	}
	if !strings.Contains(string(out), "adoption with terraform query and the reprocess action needs Terraform 1.14 or later") {
		t.Errorf("demo.sh did not say which step cannot run:\n%s", out)
	}
	if strings.Contains(string(out), "Starting the Cloud Entitlements emulator") {
		t.Errorf("demo.sh started before it refused the CLI:\n%s", out)
	}
}

// TestFinished_namesOnlyTheStepsThatRan checks the demo's closing line.
func TestFinished_namesOnlyTheStepsThatRan(t *testing.T) {
	cases := map[string]string{
		``:                               "Demo finished: no step ran",
		`ran apply`:                      "Demo finished: apply worked",
		`ran apply; ran destroy`:         "Demo finished: apply and destroy worked",
		`ran apply; ran "a plan"; ran x`: "Demo finished: apply, a plan and x worked",
	}
	for script, want := range cases {
		stdout, stderr, code := runBash(t, script+"\nfinished")
		if code != 0 || strings.TrimSpace(stdout) != "==> "+want {
			t.Errorf("%q then finished: exit %d, stdout %q, stderr %q; want %q", script, code, stdout, stderr, want)
		}
	}
}

// TestDemo_noPipeIntoAReaderThatStopsEarly: under pipefail, `cmd | grep -q` (or head, or
// grep -m) fails when cmd still writes after the reader is gone. Conditions read a variable
// or a file instead.
func TestDemo_noPipeIntoAReaderThatStopsEarly(t *testing.T) {
	early := regexp.MustCompile(`\|\s*(grep\s+(-[A-Za-z]*[qm]|--quiet|--max-count)|head\b)`)
	for _, file := range []string{demoPath, libPath} {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			if early.MatchString(line) {
				t.Errorf("%s:%d pipes into a reader that stops early: %s", filepath.Base(file), i+1, strings.TrimSpace(line))
			}
		}
	}
}
