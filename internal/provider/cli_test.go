package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-version"
	"github.com/jonboulle/clockwork"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
	"github.com/segura/terraform-provider-segura/internal/testutil"
)

// These tests drive the real CLI of TF_ACC_TERRAFORM_PATH as a user would, with the provider
// built from this tree as a plugin process of its own, so that they can interrupt or kill
// either. terraform-plugin-testing cannot send signals.

var providerBinary struct {
	once sync.Once
	path string
	err  error
}

// buildProvider builds the provider once per test binary, or takes SEGURA_TEST_PROVIDER_BIN
// (to run these tests against another build of the provider).
func buildProvider(t *testing.T) string {
	t.Helper()
	providerBinary.once.Do(func() {
		if bin := os.Getenv("SEGURA_TEST_PROVIDER_BIN"); bin != "" {
			providerBinary.path = bin
			return
		}
		dir, err := os.MkdirTemp("", "segura-provider-")
		if err != nil {
			providerBinary.err = err
			return
		}
		providerBinary.path = filepath.Join(dir, "terraform-provider-segura")
		out, err := exec.Command("go", "build", "-o", providerBinary.path, "../..").CombinedOutput()
		if err != nil {
			providerBinary.err = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if providerBinary.err != nil {
		t.Fatal(providerBinary.err)
	}
	return providerBinary.path
}

// removeBuiltProvider removes the provider that buildProvider built, if any.
func removeBuiltProvider() {
	if providerBinary.path != "" && os.Getenv("SEGURA_TEST_PROVIDER_BIN") == "" {
		_ = os.RemoveAll(filepath.Dir(providerBinary.path)) // a leftover temporary folder is harmless
	}
}

// cliEnv is a folder with a configuration, run by the real CLI against an emulator of the
// test's own.
type cliEnv struct {
	t   *testing.T
	emu *emulator.Server
	url string
	api *client.Client
	dir string
	cli string
	env []string
	// answers receives the route and status of every answer of the emulator.
	answers chan string
	// secret is the client secret of the emulator's service account.
	secret string
}

// newCLIEnv starts an emulator on clock and writes a CLI configuration that uses the
// provider built from this tree.
func newCLIEnv(t *testing.T, clock clockwork.Clock, why string) *cliEnv {
	t.Helper()
	return newCLIEnvBehind(t, clock, why, nil)
}

// newCLIEnvBehind is newCLIEnv with front, when not nil, between the provider and the
// emulator.
func newCLIEnvBehind(t *testing.T, clock clockwork.Clock, why string, front func(http.Handler) http.Handler) *cliEnv {
	t.Helper()
	return newCLIEnvOf(t, emulator.Options{Clock: clock}, why, front)
}

// newCLIEnvOf is newCLIEnvBehind with more options of the emulator.
func newCLIEnvOf(t *testing.T, opts emulator.Options, why string, front func(http.Handler) http.Handler) *cliEnv {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance test: set TF_ACC=1 and TF_ACC_TERRAFORM_PATH")
	}
	if remoteServer() {
		t.Skipf("skipped against SEGURA_URL: this test needs the emulator because %s", why)
	}
	cli := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if cli == "" {
		t.Fatal("TF_ACC_TERRAFORM_PATH must name the CLI to drive")
	}
	bin := buildProvider(t)
	e := &cliEnv{t: t, dir: t.TempDir(), cli: cli, answers: make(chan string, 100000), secret: "client-secret-" + uuid.NewString()}
	opts.ClientSecret, opts.OnAnswer = e.secret, func(route, status string) {
		select {
		case e.answers <- route + " " + status:
		default: // nobody is waiting for so many
		}
	}
	emu, err := emulator.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := serve(t, emu, front)
	e.emu, e.url = emu, ts.URL
	e.api = newTestClient(t, client.Config{URL: ts.URL, ClientID: emulator.DemoClientID, ClientSecret: e.secret,
		RetryWaitMin: testRetryWaitMin, RetryWaitMax: testRetryWaitMax})
	rc := filepath.Join(e.dir, "cli.tfrc")
	if err := os.WriteFile(rc, fmt.Appendf(nil, "provider_installation {\n  dev_overrides {\n    \"segura/segura\" = %q\n  }\n  direct {}\n}\n",
		filepath.Dir(bin)), 0o600); err != nil {
		t.Fatal(err)
	}
	e.env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
		"SEGURA_CLIENT_SECRET="+e.secret)
	t.Cleanup(func() { killPlugins(bin, e.dir) })
	return e
}

// writeTenants writes a configuration of n connections and returns their tenant IDs.
func (e *cliEnv) writeTenants(n int) []string {
	e.t.Helper()
	run := "cli-" + uuid.NewString()[:8]
	hcl, ids := manyTenants(run, n)
	e.writeConfig(e.providerBlock("") + hcl)
	return ids
}

// providerBlock is the required_providers and provider blocks, with more settings.
func (e *cliEnv) providerBlock(settings string) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    segura = {
      source = "segura/segura"
    }
  }
}

provider "segura" {
  url             = %q
  client_id       = %q
  azure_preflight = false
%s}
`, e.url, emulator.DemoClientID, settings)
}

// writeConfig writes the folder's configuration. The client secret comes from the
// environment (SEGURA_CLIENT_SECRET), as users should give it.
func (e *cliEnv) writeConfig(hcl string) {
	e.t.Helper()
	if err := os.WriteFile(filepath.Join(e.dir, "main.tf"), []byte(hcl), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

// start runs the CLI with args in the folder; wait for it with the returned function.
func (e *cliEnv) start(args ...string) (*exec.Cmd, func() (string, error)) {
	e.t.Helper()
	return e.startWith(nil, args...)
}

// startWith is start with more environment variables.
func (e *cliEnv) startWith(env []string, args ...string) (*exec.Cmd, func() (string, error)) {
	e.t.Helper()
	cmd := exec.Command(e.cli, args...)
	cmd.Dir, cmd.Env = e.dir, append(slices.Clone(e.env), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	return cmd, func() (string, error) {
		err := cmd.Wait()
		return out.String(), err
	}
}

// apply runs terraform apply to the end and fails the test on any error.
func (e *cliEnv) apply(args ...string) string {
	e.t.Helper()
	_, wait := e.start(append([]string{"apply", "-auto-approve", "-input=false", "-no-color"}, args...)...)
	out, err := wait()
	if err != nil || strings.Contains(out, "Error:") {
		e.t.Fatalf("apply failed (%v):\n%s", err, out)
	}
	return out
}

// holdCreates makes the emulator hold every create on clock until the test releases them,
// and releases them when the test ends in any case, so that the server can close.
func (e *cliEnv) holdCreates(clock *clockwork.FakeClock) (release func()) {
	e.fault(emulator.Fault{Route: createRoute, LatencyMS: 60_000})
	release = func() {
		e.emu.ClearFaults()
		clock.Advance(time.Minute)
	}
	e.t.Cleanup(release)
	return release
}

// stateTenants are the tenant IDs of the connections in the folder's state.
func (e *cliEnv) stateTenants() map[string]bool {
	e.t.Helper()
	out := map[string]bool{}
	raw, err := os.ReadFile(filepath.Join(e.dir, "terraform.tfstate"))
	if os.IsNotExist(err) {
		return out
	}
	if err != nil {
		e.t.Fatal(err)
	}
	var st struct {
		Resources []struct {
			Type      string `json:"type"`
			Instances []struct {
				Attributes struct {
					ID string `json:"id"`
				} `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(raw, &st); err != nil {
		e.t.Fatal(err)
	}
	for _, r := range st.Resources {
		for _, i := range r.Instances {
			if r.Type == "segura_azure_tenant" {
				out[i.Attributes.ID] = true
			}
		}
	}
	return out
}

// serverTenants are the tenant IDs of every connection on the emulator.
func (e *cliEnv) serverTenants() map[string]bool {
	e.t.Helper()
	out := map[string]bool{}
	for tenant, err := range e.api.AllAzureTenants(context.Background(), client.ListAzureTenantsInput{PageSize: 200}) {
		if err != nil {
			e.t.Fatal(err)
		}
		out[tenant.TenantID] = true
	}
	return out
}

// checkConverged fails the test unless the server and the state both hold exactly ids. (The
// emulator keeps one connection per tenant: a duplicate would have failed the apply.)
func (e *cliEnv) checkConverged(ids []string) {
	e.t.Helper()
	server, state := e.serverTenants(), e.stateTenants()
	if len(server) != len(ids) || len(state) != len(ids) {
		e.t.Errorf("%d connections on the server and %d in state, want %d in both", len(server), len(state), len(ids))
	}
	for _, id := range ids {
		if !server[id] || !state[id] {
			e.t.Errorf("tenant %s: on the server %v, in state %v", id, server[id], state[id])
		}
	}
}

// pluginPIDs are the processes of the provider binary bin started from dir's runs.
func pluginPIDs(bin string) []int {
	entries, _ := os.ReadDir("/proc") // no /proc: no plugin to find
	var pids []int
	for _, d := range entries {
		var pid int
		if _, err := fmt.Sscan(d.Name(), &pid); err != nil {
			continue
		}
		if exe, err := os.Readlink(filepath.Join("/proc", d.Name(), "exe")); err == nil && exe == bin {
			pids = append(pids, pid)
		}
	}
	return pids
}

// killPlugins ends the provider processes left behind by a killed CLI.
func killPlugins(bin, _ string) {
	for _, pid := range pluginPIDs(bin) {
		_ = syscall.Kill(pid, syscall.SIGKILL) // it may have exited meanwhile
	}
}

// interruptedApply applies n connections whose creates the emulator holds, does what
// interrupt does once `held` of them are in flight, releases them, then applies again: the
// second apply must end with every connection on the server and in state, with no error.
// interruptedApply interrupts an apply of 10 connections, 5 of them held in flight, with
// interrupt, hands what the interrupted run printed to check (when not nil), and runs the
// apply again: it must converge.
func interruptedApply(t *testing.T, interrupt func(e *cliEnv, cmd *exec.Cmd), check func(t *testing.T, out string)) {
	const n, held = 10, 5
	clock := clockwork.NewFakeClock()
	e := newCLIEnv(t, clock, "it holds creates in flight")
	ids := e.writeTenants(n)
	release := e.holdCreates(clock)
	cmd, wait := e.start("apply", "-auto-approve", "-input=false", "-no-color", fmt.Sprintf("-parallelism=%d", held))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // guards against a hang only
	defer cancel()
	if err := clock.BlockUntilContext(ctx, held); err != nil {
		out, _ := wait()
		t.Fatalf("the creates never reached the emulator: %v\n%s", err, out)
	}
	interrupt(e, cmd)
	release() // the held creates are committed
	out, err := wait()
	t.Logf("interrupted apply (%v):\n%s", err, out)
	if check != nil {
		check(t, out)
	}

	e.apply("-parallelism=" + fmt.Sprint(held))
	e.checkConverged(ids)
}

func TestAccCLI_interrupt(t *testing.T) {
	interruptedApply(t, func(e *cliEnv, cmd *exec.Cmd) {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			t.Fatal(err)
		}
	}, func(t *testing.T, out string) {
		// The interrupted run says what happened and what to do, and blames no network.
		if !strings.Contains(out, "Interrupted") || !regexp.MustCompile(`Run\s+the\s+same\s+command\s+again`).MatchString(out) ||
			strings.Contains(out, "unreachable") {
			t.Errorf("the interrupted run does not say what happened:\n%s", out)
		}
	})
}

func TestAccCLI_killTerraform(t *testing.T) {
	interruptedApply(t, func(_ *cliEnv, cmd *exec.Cmd) {
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
	}, nil)
}

func TestAccCLI_killProvider(t *testing.T) {
	interruptedApply(t, func(e *cliEnv, _ *exec.Cmd) {
		pids := pluginPIDs(buildProvider(t))
		if len(pids) == 0 {
			t.Fatal("no provider process found to kill")
		}
		for _, pid := range pids {
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
		}
	}, nil)
}

// TestAccCLI_throttledScale applies 200 connections at -parallelism=50 while 30% of requests
// are answered 429 and every token is revoked twice mid-apply (at the 60th and the 140th
// create), then destroys them under the same faults: no failure, and a handful of tokens.
func TestAccCLI_throttledScale(t *testing.T) {
	e := newCLIEnv(t, clockwork.NewRealClock(), "it injects faults")
	ids := e.writeTenants(200)
	e.fault(emulator.Fault{Route: createRoute, RevokeTokens: true, After: 60, Count: 1})
	e.fault(emulator.Fault{Route: createRoute, RevokeTokens: true, After: 140, Count: 1})
	e.fault(emulator.Fault{Status: 429, Probability: 0.3})
	e.apply("-parallelism=50")
	e.checkConverged(ids)
	if n := e.emu.Counts().Total(createRoute, "401"); n == 0 {
		t.Error("no create met a revoked token: the revocations did not happen mid-apply")
	}
	if n := e.emu.Counts().Total("POST /oauth2/token", "200"); n > 6 {
		t.Errorf("%d tokens fetched for 200 creates and 2 revocations, want a handful", n)
	}
	e.fault(emulator.Fault{Route: "DELETE /api/cloud-entitlements/v1/azure/tenants/{tenant_id}", RevokeTokens: true, After: 100, Count: 1})
	_, wait := e.start("destroy", "-auto-approve", "-input=false", "-no-color", "-parallelism=50")
	if out, err := wait(); err != nil || strings.Contains(out, "Error:") {
		t.Fatalf("destroy failed (%v):\n%s", err, out)
	}
	if left := e.serverTenants(); len(left) != 0 {
		t.Errorf("%d connections left after destroy", len(left))
	}
}

func (e *cliEnv) fault(f emulator.Fault) { testutil.Fault(e.t, e.emu.AddFault, f) }

// TestAccCLI_adoptWithGeneratedConfig: connections made by hand are adopted with import
// blocks and `plan -generate-config-out`, on every CLI of the matrix (Terraform 1.5 to 1.7
// crashed on a computed-only nested attribute). The generated configuration has no secret,
// which Segura never returns, and plans with no edits as imports only.
func TestAccCLI_adoptWithGeneratedConfig(t *testing.T) {
	e := newCLIEnv(t, clockwork.NewRealClock(), "it connects tenants by hand on its own emulator")
	var imports strings.Builder
	for i := range 3 {
		in := client.CreateAzureTenantInput{Name: fmt.Sprintf("By hand %d", i), TenantID: newTenantID(), ApplicationID: uuid.NewString(),
			SecretValue: "by-hand-" + uuid.NewString(), IntegrationMode: "read", Tags: []string{"hand"}}
		if _, err := e.api.CreateAzureTenant(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&imports, "\nimport {\n  to = segura_azure_tenant.hand%d\n  id = %q\n}\n", i, in.TenantID)
	}
	e.writeConfig(e.providerBlock("") + imports.String())

	_, wait := e.start("plan", "-input=false", "-no-color", "-generate-config-out=generated.tf")
	if out, err := wait(); err != nil {
		t.Fatalf("plan -generate-config-out: %v\n%s", err, out)
	}
	generated, err := os.ReadFile(filepath.Join(e.dir, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(generated), `resource "segura_azure_tenant"`) != 3 {
		t.Fatalf("the generated configuration:\n%s", generated)
	}
	_, wait = e.start("plan", "-input=false", "-no-color")
	if out, err := wait(); err != nil || !strings.Contains(out, "3 to import, 0 to add, 0 to change, 0 to destroy") {
		t.Fatalf("the plan of the generated configuration (%v):\n%s", err, out)
	}
	e.apply()
	_, wait = e.start("plan", "-input=false", "-no-color", "-detailed-exitcode")
	if out, err := wait(); err != nil {
		t.Errorf("a plan after the adoption is not empty (%v):\n%s", err, out)
	}
	if n := e.emu.Counts().Total("PATCH /api/cloud-entitlements/v1/azure/tenants/{tenant_id}", ""); n != 0 {
		t.Errorf("the adoption sent %d PATCH requests; it should change nothing", n)
	}
}

// cliVersion is the version the CLI under test reports (OpenTofu reports its own).
func (e *cliEnv) cliVersion() *version.Version {
	e.t.Helper()
	out, err := exec.Command(e.cli, "version", "-json").Output()
	if err != nil {
		e.t.Fatalf("%s version -json: %v", e.cli, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		e.t.Fatalf("%s version -json: %v\n%s", e.cli, err, out)
	}
	return version.Must(version.NewVersion(v.Version))
}

// TestAccCLI_adoptWithQuery: connections made by hand are found by the example query of
// examples/list-resources, written out by `terraform query -generate-config-out`, and
// adopted by a plan of imports only, with no edits (Terraform 1.14 and later).
func TestAccCLI_adoptWithQuery(t *testing.T) {
	e := newCLIEnv(t, clockwork.NewRealClock(), "it connects tenants by hand on its own emulator")
	if v := e.cliVersion(); v.LessThan(version.Must(version.NewVersion("1.14.0"))) || strings.Contains(e.cli, "tofu") {
		t.Skipf("terraform query needs Terraform 1.14 or later; %s is %s", filepath.Base(e.cli), v)
	}
	want := map[string]bool{}
	for i := range 4 {
		in := client.CreateAzureTenantInput{Name: fmt.Sprintf("By hand %d", i), TenantID: newTenantID(), ApplicationID: uuid.NewString(),
			SecretValue: "by-hand-" + uuid.NewString(), IntegrationMode: "read_write", Tags: []string{"production"}}
		if i == 3 {
			in.Tags = []string{"staging"} // not found by the query
		}
		if _, err := e.api.CreateAzureTenant(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		if i < 3 {
			want[in.TenantID] = true
		}
	}
	query, err := os.ReadFile("../../examples/list-resources/segura_azure_tenant/list-resource.tfquery.hcl")
	if err != nil {
		t.Fatal(err)
	}
	e.writeConfig(e.providerBlock(""))
	if err := os.WriteFile(filepath.Join(e.dir, "adopt.tfquery.hcl"), query, 0o600); err != nil {
		t.Fatal(err)
	}
	_, wait := e.start("query", "-no-color", "-generate-config-out=adopted.tf")
	out, err := wait()
	if err != nil {
		t.Fatalf("query -generate-config-out: %v\n%s", err, out)
	}
	for id := range want {
		if !strings.Contains(out, id) || !strings.Contains(out, "By hand") {
			t.Errorf("the query does not show connection %s:\n%s", id, out)
		}
	}
	adopted, err := os.ReadFile(filepath.Join(e.dir, "adopted.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(adopted), `resource "segura_azure_tenant"`); n != 3 || strings.Count(string(adopted), "import {") != 3 {
		t.Fatalf("the generated configuration has %d resource blocks, want 3:\n%s", n, adopted)
	}
	if err := os.Remove(filepath.Join(e.dir, "adopt.tfquery.hcl")); err != nil {
		t.Fatal(err)
	}
	_, wait = e.start("plan", "-input=false", "-no-color")
	if out, err := wait(); err != nil || !strings.Contains(out, "3 to import, 0 to add, 0 to change, 0 to destroy") {
		t.Fatalf("the plan of the generated configuration (%v):\n%s\n%s", err, out, adopted)
	}
	e.apply()
	if got := e.stateTenants(); !maps.Equal(got, want) {
		t.Errorf("state holds %v after the adoption; want %v", got, want)
	}
	_, wait = e.start("plan", "-input=false", "-no-color", "-detailed-exitcode")
	if out, err := wait(); err != nil {
		t.Errorf("a plan after the adoption is not empty (%v):\n%s", err, out)
	}
	if n := e.emu.Counts().Total("PATCH /api/cloud-entitlements/v1/azure/tenants/{tenant_id}", ""); n != 0 {
		t.Errorf("the adoption sent %d PATCH requests; it should change nothing", n)
	}
}

// TestAccCLI_quietLogsByDefault: with no log setting, the provider sends Terraform no SDK
// logs at all; TF_LOG brings them back. The provider's stderr, where its logs go to
// Terraform, is captured by a wrapper between the CLI and the provider.
func TestAccCLI_quietLogsByDefault(t *testing.T) {
	e := newCLIEnv(t, clockwork.NewRealClock(), "it counts the log lines of one plan")
	wrapper := t.TempDir()
	logFile := filepath.Join(t.TempDir(), "provider-stderr.log")
	script := fmt.Sprintf("#!/bin/sh\nexec %q \"$@\" 2>>%q\n", buildProvider(t), logFile)
	if err := os.WriteFile(filepath.Join(wrapper, "terraform-provider-segura"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.dir, "cli.tfrc"), fmt.Appendf(nil,
		"provider_installation {\n  dev_overrides {\n    \"segura/segura\" = %q\n  }\n  direct {}\n}\n", wrapper), 0o600); err != nil {
		t.Fatal(err)
	}
	e.writeTenants(3)
	sdkLines := func(extraEnv ...string) int {
		t.Helper()
		if err := os.Truncate(logFile, 0); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		_, wait := e.startWith(extraEnv, "plan", "-input=false", "-no-color")
		if out, err := wait(); err != nil {
			t.Fatalf("plan: %v\n%s", err, out)
		}
		logs, err := os.ReadFile(logFile)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Count(string(logs), `"@module":"sdk.`)
	}
	if n := sdkLines(); n != 0 {
		t.Errorf("with no log setting, the provider wrote %d SDK log lines", n)
	}
	if n := sdkLines("TF_LOG=trace"); n == 0 {
		t.Error("with TF_LOG=trace, the provider wrote no SDK log lines")
	}
	if n := sdkLines("TF_LOG_PROVIDER=debug"); n == 0 {
		t.Error("with TF_LOG_PROVIDER=debug, the provider wrote no SDK log lines")
	}
}
