package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jonboulle/clockwork"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
)

// These tests pin DESIGN.md's "The plan-time check" through the real CLI, whose output is the
// only place where a plan's warnings show.

// diagnostic is one error or warning of a CLI run.
type diagnostic struct {
	kind, summary string
	resource      string // the address after "with", if any
	text          string // the whole block
}

var (
	diagHeadRE = regexp.MustCompile(`(?m)^[│ ]*(Error|Warning): (.*)$`)
	diagWithRE = regexp.MustCompile(`(?m)^[│ ]*with ([^,\s]+),`)
)

// diagnostics reads the errors and warnings that a CLI run printed, in order.
func diagnostics(out string) []diagnostic {
	heads := diagHeadRE.FindAllStringSubmatchIndex(out, -1)
	var diags []diagnostic
	for i, h := range heads {
		end := len(out)
		if i+1 < len(heads) {
			end = heads[i+1][0]
		}
		block := out[h[0]:end]
		if cut := strings.Index(block, "╵"); cut >= 0 {
			block = block[:cut]
		}
		d := diagnostic{kind: out[h[2]:h[3]], summary: strings.TrimSpace(out[h[4]:h[5]]), text: block}
		if m := diagWithRE.FindStringSubmatch(block); m != nil {
			d.resource = m[1]
		}
		diags = append(diags, d)
	}
	return diags
}

// run runs the CLI command with args in the folder and returns what it printed and its
// error, with no judgement on either.
func (e *cliEnv) run(command string, args ...string) (string, error) {
	e.t.Helper()
	_, wait := e.start(append([]string{command, "-input=false", "-no-color"}, args...)...)
	return wait()
}

// tenantHCL is a segura_azure_tenant named name.
func tenantHCL(name string, c tenantConfig) string {
	c.name = "Plan check " + c.name
	return strings.Replace(c.hcl(), `"segura_azure_tenant" "test"`, fmt.Sprintf("%q %q", "segura_azure_tenant", name), 1)
}

// TestAccCLI_planCheckOfAConnectionThatExists: a plan that would create a connection that
// exists fails on it with the import command, unless the connection has every setting of the
// plan; then it warns that the apply adopts it only if Segura replays this configuration's own
// request. The apply then adopts the one that this configuration's credentials made with this
// request, and fails on the other. Once in state, neither a rename nor a new letter case of
// tenant_id asks again: only a plan that creates does.
func TestAccCLI_planCheckOfAConnectionThatExists(t *testing.T) {
	e := newCLIEnv(t, clockwork.NewRealClock(), "it connects tenants outside Terraform")
	ctx := context.Background()
	byHand := func(c tenantConfig, secret string) {
		t.Helper()
		in := client.CreateAzureTenantInput{Name: "Plan check " + c.name, TenantID: c.tenantID, ApplicationID: c.appID,
			SecretValue: secret, IntegrationMode: c.mode, Tags: c.tags, Status: client.StatusActive}
		if _, err := e.api.CreateAzureTenant(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	base := func(name string) tenantConfig {
		c := newTenantConfig()
		c.name, c.tags = name, []string{"finance", "prod"} // sorted, as the provider sends them
		return c
	}
	// Connected with this configuration's own request, by these credentials: what an
	// interrupted apply of it leaves.
	same := base("same")
	byHand(same, same.secret)
	// Every setting of the plan, but made with another secret: not this configuration's request.
	lookalike := base("lookalike")
	byHand(lookalike, "by-hand-"+uuid.NewString())
	// Each differs from its connection in one setting.
	differ := map[string]func(*tenantConfig){
		"name":             func(c *tenantConfig) { c.name += " (renamed)" },
		"application_id":   func(c *tenantConfig) { c.appID = uuid.NewString() },
		"integration_mode": func(c *tenantConfig) { c.mode = "read_write" },
		"status":           func(c *tenantConfig) { c.status = client.StatusInactive },
		"tag_value":        func(c *tenantConfig) { c.tags = []string{"finance", "test"} },
		"no_tags":          func(c *tenantConfig) { c.tags = nil },
	}
	var hcl strings.Builder
	hcl.WriteString(e.providerBlock(""))
	hcl.WriteString(tenantHCL("same", same))
	hcl.WriteString(tenantHCL("lookalike", lookalike))
	for name, change := range differ {
		c := base(name)
		byHand(c, c.secret)
		change(&c)
		hcl.WriteString(tenantHCL(name, c))
	}
	e.writeConfig(hcl.String())

	out, err := e.run("plan")
	if err == nil {
		t.Errorf("the plan passed:\n%s", out)
	}
	failed, warned := map[string]bool{}, false
	for _, d := range diagnostics(out) {
		switch {
		case d.kind == "Error" && d.summary == azureTenant.summaryAlreadyConnected():
			if !strings.Contains(d.text, "terraform import segura_azure_tenant.<resource name>") {
				t.Errorf("the error of %s lacks the import command:\n%s", d.resource, d.text)
			}
			failed[strings.TrimPrefix(d.resource, "segura_azure_tenant.")] = true
		case d.kind == "Warning" && strings.HasPrefix(d.summary, "Azure tenant already connected"):
			// Terraform shows one of the warnings that share a summary.
			warned = true
			if !strings.Contains(d.text, "replays") {
				t.Errorf("the warning does not say that the apply adopts the connection only if Segura replays the request:\n%s", d.text)
			}
		case d.kind == "Error":
			t.Errorf("unexpected error %q of %s", d.summary, d.resource)
		}
	}
	for name := range differ {
		if !failed[name] {
			t.Errorf("the connection that differs in %s did not fail the plan", name)
		}
	}
	if failed["same"] || failed["lookalike"] {
		t.Errorf("a connection with every setting of the plan failed it (same: %v, lookalike: %v)", failed["same"], failed["lookalike"])
	}
	if !warned {
		t.Errorf("no warning that a connection with every setting of the plan exists:\n%s", out)
	}
	if t.Failed() {
		t.Logf("the plan:\n%s", out)
	}

	// The apply adopts the connection that this configuration's request made, and fails with
	// the import command on the other.
	hcl.Reset()
	hcl.WriteString(e.providerBlock(""))
	hcl.WriteString(tenantHCL("same", same))
	hcl.WriteString(tenantHCL("lookalike", lookalike))
	e.writeConfig(hcl.String())
	out, err = e.run("apply", "-auto-approve")
	if err == nil || !expectError(`Error: Azure tenant already connected(.|\n)*segura_azure_tenant.lookalike(.|\n)*terraform import`).MatchString(out) {
		t.Errorf("the apply did not fail on the lookalike connection with the import command (%v):\n%s", err, out)
	}
	if got := e.stateTenants(); !got[same.tenantID] || got[lookalike.tenantID] {
		t.Errorf("state holds %v; want the adopted %s only", got, same.tenantID)
	}

	// In state, a rename and a new spelling of tenant_id are updates: the plan asks nothing.
	renamed := same
	renamed.name, renamed.tenantID = "same, renamed", strings.ToUpper(same.tenantID)
	e.writeConfig(e.providerBlock("") + tenantHCL("same", renamed))
	out, err = e.run("plan")
	if err != nil || strings.Contains(out, "already connected") || !strings.Contains(out, "1 to change") {
		t.Errorf("an update asked whether the tenant is connected (%v):\n%s", err, out)
	}
}

// TestAccCLI_planCheckOfAnUnreachableSegura: when Segura answers the plan's check with 429,
// a 5xx or an answer that breaks the contract, the plan warns once and goes on, and the checks
// of the other connections are skipped rather than each asking in turn. Credentials that
// Segura refuses fail the plan.
func TestAccCLI_planCheckOfAnUnreachableSegura(t *testing.T) {
	var mode atomic.Value
	mode.Store("")
	var gets atomic.Int64
	front := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			m := mode.Load().(string)
			if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/api/cloud-entitlements/v1/azure/tenants/") {
				next.ServeHTTP(w, r)
				return
			}
			gets.Add(1)
			w.Header().Set("Content-Type", "application/json")
			switch m {
			case "429", "500", "503":
				var status int
				if _, err := fmt.Sscan(m, &status); err != nil {
					t.Error(err)
				}
				w.WriteHeader(status)
				fmt.Fprintf(w, `{"code":"unavailable","message":"answered %d by the test"}`, status)
			case "contract":
				// A success that lacks connected_at and the synchronization.
				id := strings.TrimPrefix(r.URL.Path, "/api/cloud-entitlements/v1/azure/tenants/")
				_ = json.NewEncoder(w).Encode(map[string]any{"tenant_id": id, "name": "n", // the client reports what it reads
					"application_id": uuid.NewString(), "integration_mode": "read", "status": "active", "tags": []string{}})
			default:
				next.ServeHTTP(w, r)
			}
		})
	}
	e := newCLIEnvBehind(t, clockwork.NewRealClock(), "it puts a failing server in front of the emulator", front)
	run := "unreachable-" + uuid.NewString()[:8]
	hcl, _ := manyTenants(run, 3)
	e.writeConfig(e.providerBlock("  max_retries     = 0\n") + hcl)
	for _, m := range []string{"429", "500", "503", "contract"} {
		mode.Store(m)
		before := gets.Load()
		out, err := e.run("plan", "-parallelism=1")
		warnings := 0
		for _, d := range diagnostics(out) {
			switch {
			case d.kind == "Warning" && d.summary == "Segura not reachable at plan time":
				warnings++
			case d.kind == "Error":
				t.Errorf("%s: the plan failed with %q", m, d.summary)
			}
		}
		if err != nil || warnings != 1 || strings.Contains(out, "similar warning") || !strings.Contains(out, "3 to add") {
			t.Errorf("%s: want a plan of 3 creates with one warning that Segura is not reachable (%v):\n%s", m, err, out)
		}
		if n := gets.Load() - before; n != 1 {
			t.Errorf("%s: the plan's checks sent %d GET requests; want 1, the others skipped", m, n)
		}
	}

	// Refused credentials fail the plan.
	mode.Store("")
	e.env = append(e.env, "SEGURA_CLIENT_SECRET=wrong-"+uuid.NewString()) // the last of a name wins
	out, err := e.run("plan")
	if err == nil || !strings.Contains(out, "Error: Segura refused the credentials") {
		t.Errorf("refused credentials did not fail the plan (%v):\n%s", err, out)
	}
}

// TestAccCLI_planCheckTakesTheListingsWord: a plan that creates many connections asks Segura
// whether each is connected, the first few with a GET each, the others from a listing of
// every connection, whose word the plan takes: a tenant missing from it is not confirmed
// with a GET of its own.
func TestAccCLI_planCheckTakesTheListingsWord(t *testing.T) {
	e := newCLIEnv(t, clockwork.NewRealClock(), "it counts the requests of a plan")
	e.writeTenants(12)
	gets, lists := e.count(routeGetTenant, ""), e.count(routeListTenants, "")
	out := e.plan()
	if !strings.Contains(out, "12 to add") {
		t.Fatalf("want a plan of 12 creates:\n%s", out)
	}
	if n := e.count(routeListTenants, "200") - lists; n < 1 {
		t.Errorf("the plan read %d list pages; the test did not reach the listing", n)
	}
	// DESIGN.md, "Reads": the first 4 reads of a process are one GET each.
	if n := e.count(routeGetTenant, "") - gets; n > 4 {
		t.Errorf("the plan's checks of 12 new connections sent %d GET requests; want at most 4, the rest from the listing", n)
	}
}

// TestAccCLI_planCheckGivesUpWithin20Seconds: a Segura that takes 25 seconds to answer the
// plan's check costs the plan 20 seconds and one warning, not the client's 5 minutes a call.
// (The plugin process of the CLI runs on the real clock; the emulator's latency is on it too.)
func TestAccCLI_planCheckGivesUpWithin20Seconds(t *testing.T) {
	e := newCLIEnv(t, clockwork.NewRealClock(), "it makes Segura slow to answer the plan's GET")
	e.fault(emulator.Fault{Route: routeGetTenant, LatencyMS: 25_000})
	e.writeTenants(1)
	cmd, wait := e.start("plan", "-input=false", "-no-color")
	done := make(chan struct{})
	var out string
	var err error
	go func() {
		out, err = wait()
		close(done)
	}()
	guard := time.NewTimer(2 * time.Minute) // guards against a hang only
	defer guard.Stop()
	select {
	case <-done:
	case <-guard.C:
		_ = cmd.Process.Kill() // it may have ended meanwhile
		<-done
		t.Fatalf("the plan still waited for Segura after 2 minutes:\n%s", out)
	}
	warnings := 0
	for _, d := range diagnostics(out) {
		if d.kind == "Warning" && d.summary == "Segura not reachable at plan time" {
			warnings++
		}
	}
	if err != nil || warnings != 1 || !strings.Contains(out, "1 to add") {
		t.Errorf("want a plan of 1 create with one warning that Segura is not reachable (%v):\n%s", err, out)
	}
}
