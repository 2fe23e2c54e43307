package demotest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// overridesWarning is the warning as Terraform 1.16 prints it with -no-color, copied from a run
// of make demo.
const overridesWarning = `
Warning: Provider development overrides are in effect

The following provider development overrides are set in the CLI
configuration:
 - segura/segura in /tmp/demo-bin

The behavior may therefore not match any released version of the provider and
applying changes may cause the state to become incompatible with published
releases.
`

// overridesWarningBoxed is the same warning in the boxed form of a colour terminal.
const overridesWarningBoxed = `╷
│ Warning: Provider development overrides are in effect
│ 
│ The following provider development overrides are set in the CLI
│ configuration:
│  - segura/segura in /tmp/demo-bin
│ 
│ The behavior may therefore not match any released version of the provider and
│ applying changes may cause the state to become incompatible with published
│ releases.
╵
`

// TestWithoutOverridesWarning_dropsOnlyThatWarning: every Terraform command of the demo prints
// the warning; the demo explains it once and filters it, and nothing else, from each output.
func TestWithoutOverridesWarning_dropsOnlyThatWarning(t *testing.T) {
	refreshing := "segura_azure_tenant.production: Refreshing state... [id=5f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44]\n"
	plan := "\nTerraform used the selected providers to generate the following execution\nplan.\n"
	deprecated := "\nWarning: Argument is deprecated\n\nUse secret_value_wo.\n"
	// A title whose last sentence changed: nothing may be dropped.
	reworded := "\nWarning: Provider development overrides are in effect\n\n" + strings.Repeat("Some other text.\n", 13)
	cases := []struct{ name, in, want string }{
		{"before a refresh (plan)", overridesWarning + refreshing, refreshing},
		{"before a blank line (apply)", overridesWarning + plan, plan},
		{"boxed", overridesWarningBoxed + refreshing, refreshing},
		{"after other output", "==> step\n" + overridesWarning + refreshing, "==> step\n" + refreshing},
		{"twice", overridesWarning + refreshing + overridesWarning + plan, refreshing + plan},
		{"another warning is kept", deprecated + refreshing, deprecated + refreshing},
		{"no warning", refreshing + plan, refreshing + plan},
		{"a reworded warning is kept", reworded + refreshing, reworded + refreshing},
		{"empty", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := filepath.Join(t.TempDir(), "in")
			if err := os.WriteFile(in, []byte(c.in), 0o600); err != nil {
				t.Fatal(err)
			}
			stdout, stderr, code := runBash(t, `without_overrides_warning <"$IN"`, "IN="+in)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
			if stdout != c.want {
				t.Errorf("got\n%s\nwant\n%s", stdout, c.want)
			}
		})
	}
}

// TestShowLine_printsTheLineThatSaysIt: the demo shows the summary of a command by its text,
// not by its place: the last line of an apply is the last line of its outputs, "}".
func TestShowLine_printsTheLineThatSaysIt(t *testing.T) {
	file := filepath.Join(t.TempDir(), "apply.txt")
	apply := "segura_azure_tenant.production_0: Import complete\n\nApply complete! Resources: 2 imported, 0 added, 0 changed, 0 destroyed.\n\nOutputs:\n\nconnections = {\n}\n"
	if err := os.WriteFile(file, []byte(apply), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runBash(t, `show_line 'Apply complete!' "$FILE"`, "FILE="+file)
	if code != 0 || stdout != "Apply complete! Resources: 2 imported, 0 added, 0 changed, 0 destroyed.\n" || stderr != "" {
		t.Errorf("show_line: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	stdout, _, code = runBash(t, `show_line '2 to import' "$FILE"; echo went on`, "FILE="+file)
	if code == 0 || strings.Contains(stdout, "went on") {
		t.Errorf("show_line passed although no line says it: exit %d, stdout %q", code, stdout)
	}
	if !strings.Contains(stdout, `demo: no line says "2 to import" in:`) || !strings.Contains(stdout, apply) {
		t.Errorf("show_line did not show the whole output when it failed: %q", stdout)
	}
}

// TestCLIVersion_leavesOutWarningsUnlessItFails: a warning about the user's CLI configuration,
// which the demo replaces with its own, is noise when the version is read, and a clue when it
// is not.
func TestCLIVersion_leavesOutWarningsUnlessItFails(t *testing.T) {
	dir := t.TempDir()
	write := func(name, script string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script), 0o700); err != nil {
			t.Fatal(err)
		}
		return path
	}
	warn := `echo 'Warning: Unable to open CLI configuration file' >&2` + "\n"
	ok := write("ok", warn+`echo '{"terraform_version": "1.16.4"}'`+"\n")
	stdout, stderr, code := runBash(t, `cli_version "$CLI"`, "CLI="+ok)
	if code != 0 || stdout != "1.16.4\n" || stderr != "" {
		t.Errorf("cli_version of a CLI that warns: exit %d, stdout %q, stderr %q; want 1.16.4 alone", code, stdout, stderr)
	}
	for name, script := range map[string]string{"fails": warn + "exit 1\n", "no version": warn + "echo '{}'\n"} {
		stdout, stderr, code := runBash(t, `cli_version "$CLI"`, "CLI="+write(name, script))
		if code == 0 || stdout != "" || !strings.Contains(stderr, "Unable to open CLI configuration file") {
			t.Errorf("cli_version of a CLI that %s: exit %d, stdout %q, stderr %q; want a failure that shows the CLI's stderr", name, code, stdout, stderr)
		}
	}
}

// TestDemo_everyTerraformCommandGoesThroughTf: only tf filters the overrides warning, and
// summaries are picked by their text (show_line), never by their place (tail).
func TestDemo_everyTerraformCommandGoesThroughTf(t *testing.T) {
	src, err := os.ReadFile(demoPath)
	if err != nil {
		t.Fatal(err)
	}
	direct := regexp.MustCompile(`"\$TERRAFORM"|\$\{?TERRAFORM\}?\s`)
	tail := regexp.MustCompile(`\|\s*tail\b`)
	for i, line := range strings.Split(string(src), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			continue
		}
		allowed := strings.HasPrefix(trimmed, "tf() {") || strings.HasPrefix(trimmed, "require_terraform ") ||
			strings.HasPrefix(trimmed, ": \"${TERRAFORM:?")
		if direct.MatchString(line) && !allowed {
			t.Errorf("demo.sh:%d runs Terraform without tf, so its output keeps the overrides warning: %s", i+1, trimmed)
		}
		if tail.MatchString(line) {
			t.Errorf("demo.sh:%d picks lines by their place: %s", i+1, trimmed)
		}
	}
}
