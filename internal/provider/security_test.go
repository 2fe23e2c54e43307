package provider

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/jonboulle/clockwork"

	"github.com/segura/terraform-provider-segura/internal/emulator"
)

// echoFront answers the requests whose "METHOD /path" starts with the route it is set to with
// an error of the status it is set to, whose every text repeats the request: its form or
// body (secrets included) and its Authorization header. Unset, it passes requests through.
type echoFront struct {
	mu     sync.Mutex
	route  string
	status int
}

func (f *echoFront) set(route string, status int) {
	f.mu.Lock()
	f.route, f.status = route, status
	f.mu.Unlock()
}

func (f *echoFront) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		route, status := f.route, f.status
		f.mu.Unlock()
		if route == "" || !strings.HasPrefix(r.Method+" "+r.URL.Path, route) {
			next.ServeHTTP(w, r)
			return
		}
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		echo := fmt.Sprintf("you sent %s to %s: %s", r.Header.Get("Authorization"), r.URL, raw)
		var body any = map[string]any{"error": map[string]any{
			"code": "validation_failed", "message": echo, "request_id": "echo",
			"details": []map[string]any{{"field": "name", "reason": echo, "message": echo}},
		}}
		if r.URL.Path == "/oauth2/token" {
			body = map[string]any{"error": "invalid_client", "error_description": echo}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body) // an echo has nobody to tell of a write error
	})
}

// TestAccCLI_echoedSecretsNeverShown: a server that echoes every request in its errors, for
// the token, a create, a refresh (400 and 500), a data source and a destroy. Neither the Azure
// secret nor the Segura client secret appears in what the CLI prints or in its TF_LOG=trace
// log.
func TestAccCLI_echoedSecretsNeverShown(t *testing.T) {
	front := &echoFront{}
	e := newCLIEnvBehind(t, clockwork.NewRealClock(), "it puts an echoing server in front of the emulator", front.wrap)
	azureSecret := "azure-secret-" + uuid.NewString()
	logFile := filepath.Join(e.dir, "trace.log")
	e.env = append(e.env, "TF_VAR_secret="+azureSecret, "TF_LOG=trace", "TF_LOG_PATH="+logFile)
	e.writeConfig(e.providerBlock("  max_retries     = 1\n") + fmt.Sprintf(`
variable "secret" {
  type      = string
  sensitive = true
}

resource "segura_azure_tenant" "echo" {
  name             = "Echo"
  tenant_id        = %q
  application_id   = %q
  secret_value     = var.secret
  integration_mode = "read"
}

data "segura_azure_tenants" "all" {
  depends_on = [segura_azure_tenant.echo]
}
`, newTenantID(), uuid.NewString()))

	run := func(wantError bool, args ...string) {
		t.Helper()
		_, wait := e.start(append(args, "-input=false", "-no-color")...)
		out, err := wait()
		if failed := err != nil || strings.Contains(out, "Error:"); failed != wantError {
			t.Fatalf("%v: failed=%v, want %v:\n%s", args, failed, wantError, out)
		}
		for name, secret := range map[string]string{"Azure secret": azureSecret, "client secret": e.secret} {
			if strings.Contains(out, secret) {
				t.Errorf("%v: the %s appears in the output:\n%s", args, name, out)
			}
		}
	}
	const api = "/api/cloud-entitlements/v1/azure/tenants"
	front.set("POST /oauth2/token", 401)
	run(true, "apply", "-auto-approve")
	front.set("POST "+api, 400)
	run(true, "apply", "-auto-approve")
	front.set("POST "+api, 422)
	run(true, "apply", "-auto-approve")
	front.set("", 0)
	run(false, "apply", "-auto-approve")
	for _, status := range []int{400, 500} {
		front.set("GET "+api, status)
		run(true, "plan")
	}
	front.set("DELETE "+api, 400)
	run(true, "destroy", "-auto-approve")
	front.set("", 0)
	run(false, "destroy", "-auto-approve")

	raw, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	log := string(raw)
	if !strings.Contains(log, "you sent") {
		t.Fatal("the trace log holds no echo: the test did not capture the provider's logs")
	}
	for name, secret := range map[string]string{"Azure secret": azureSecret, "client secret": e.secret} {
		if n := strings.Count(log, secret); n > 0 {
			t.Errorf("the %s appears %d times in the TF_LOG=trace log", name, n)
		}
	}
}

// TestAccAzureTenant_answersForAnotherTenant: a refresh answered with another tenant's
// connection, or with fields missing, is an error; the state keeps the connection it had, and
// nothing is ever sent for the other tenant.
func TestAccAzureTenant_answersForAnotherTenant(t *testing.T) {
	var mode atomic.Value
	mode.Store("")
	foreign := newTenantID()
	var mu sync.Mutex
	var paths []string
	front := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			paths = append(paths, r.Method+" "+r.URL.Path)
			mu.Unlock()
			m := mode.Load().(string)
			if r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "/azure/tenants/") || m == "" {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Error(err)
			}
			switch m {
			case "foreign":
				body["tenant_id"] = foreign
			case "missing":
				delete(body, "application_id")
				delete(body, "connected_at")
			}
			w.Header().Set("X-Request-Id", "req-rewritten")
			w.WriteHeader(rec.Code)
			_ = json.NewEncoder(w).Encode(body) // the provider reports what it reads
		})
	}
	e := newEmulatorEnvBehind(t, emulator.Options{}, "it rewrites the emulator's answers", front)
	c := newTenantConfig()
	set := func(m string) func() { return func() { mode.Store(m) } }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(c.tenantID),
		Steps: []resource.TestStep{
			{Config: e.config(c.hcl())},
			{
				PreConfig:   set("foreign"),
				Config:      e.config(c.hcl()),
				ExpectError: expectError(`Segura sent an answer that cannot be used(.|\n)*about tenant ` + foreign + `(.|\n)*req-rewritten`),
			},
			{
				PreConfig:   set("missing"),
				Config:      e.config(c.hcl()),
				ExpectError: expectError(`Segura sent an answer that cannot be used(.|\n)*application_id`),
			},
			{
				PreConfig: set(""),
				Config:    e.config(c.hcl()),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(tenantResource, tfjsonpath.New("id"), knownvalue.StringExact(c.tenantID)),
				},
			},
		},
	})
	mu.Lock()
	defer mu.Unlock()
	for _, p := range paths {
		if strings.Contains(p, foreign) {
			t.Errorf("a request was sent for the other tenant: %s", p)
		}
	}
}

// TestAccCLI_plainHTTPRefusedBeforeAnyConnection: url = http://<another machine> is refused at
// plan time, from the configuration and from SEGURA_URL alike, before any connection: a proxy
// that every request would go through sees none.
func TestAccCLI_plainHTTPRefusedBeforeAnyConnection(t *testing.T) {
	var seen atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		seen.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	t.Cleanup(proxy.Close)
	e := newCLIEnv(t, clockwork.NewRealClock(), "its CLI runs need a configuration of their own")
	e.env = append(e.env, "HTTP_PROXY="+proxy.URL, "HTTPS_PROXY="+proxy.URL, "NO_PROXY=", "no_proxy=")
	tenant := fmt.Sprintf(`
resource "segura_azure_tenant" "t" {
  name             = "Plain"
  tenant_id        = %q
  application_id   = %q
  secret_value     = "plain-%s"
  integration_mode = "read"
}
`, newTenantID(), uuid.NewString(), uuid.NewString())
	required := "terraform {\n  required_providers {\n    segura = {\n      source = \"segura/segura\"\n    }\n  }\n}\n"
	for name, c := range map[string]struct{ provider, env, want string }{
		"configuration": {"provider \"segura\" {\n  url = \"http://segura.example.test\"\n  client_id = \"a\"\n}\n", "", `Invalid url`},
		"environment":   {"provider \"segura\" {\n  client_id = \"a\"\n}\n", "SEGURA_URL=http://segura.example.test", `SEGURA_URL`},
	} {
		e.writeConfig(required + c.provider + tenant)
		cmd := exec.Command(e.cli, "apply", "-auto-approve", "-input=false", "-no-color")
		cmd.Dir, cmd.Env = e.dir, append(append([]string(nil), e.env...), c.env)
		out, err := cmd.CombinedOutput()
		if err == nil || !expectError(c.want+`(.|\n)*plain http`).Match(out) {
			t.Errorf("%s: want an error naming %s and plain http, got %v:\n%s", name, c.want, err, out)
		}
	}
	if n := seen.Load(); n != 0 {
		t.Errorf("%d requests left for the network through the proxy", n)
	}
}
