// Command benchcli times what a user waits for: `terraform apply` (creates) and `terraform
// plan` (refresh) of N connections, with the real CLI, against the emulator over HTTPS with
// injected latency. It compares the provider with an identical-schema build that does no I/O
// (build tag benchnoio, never released) and with terraform_data, in interleaved repetitions,
// and prints medians, ratios, API requests and new TLS connections per phase.
//
// Run it with `make bench-cli` (N=1000 LATENCY=50ms REPS=3 BASELINE=<git revision>).
package main

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/segura/terraform-provider-segura/internal/emulator"
)

type variant struct {
	name string
	// bin is the folder of the provider binary; empty for terraform_data.
	bin string
	dir string
}

type phase struct {
	wall     time.Duration
	cpu      time.Duration
	requests int
	conns    int64
}

func main() {
	n := flag.Int("n", 1000, "resources per configuration")
	reps := flag.Int("reps", 3, "interleaved repetitions")
	latency := flag.Duration("latency", 50*time.Millisecond, "latency the emulator adds to every request")
	parallelism := flag.Int("parallelism", 10, "terraform -parallelism")
	terraform := flag.String("terraform", "", "the Terraform CLI")
	baseline := flag.String("baseline", "", "a git revision whose provider to time too (today's main, say)")
	flag.Parse()
	if *terraform == "" {
		log.Fatal("-terraform is required")
	}
	cli, err := filepath.Abs(*terraform)
	if err != nil {
		log.Fatal(err)
	}
	tmp, err := os.MkdirTemp("", "segura-bench-cli-")
	if err != nil {
		log.Fatal(err)
	}
	err = bench(tmp, cli, settings{n: *n, reps: *reps, latency: *latency, parallelism: *parallelism, baseline: *baseline})
	_ = os.RemoveAll(tmp) // a temporary folder left behind is harmless
	if err != nil {
		log.Fatal(err)
	}
}

// failure is what must panics with, and bench recovers, so that the temporary folder goes.
type failure struct{ err error }

// settings are the benchmark's flags.
type settings struct {
	n, reps     int
	latency     time.Duration
	parallelism int
	baseline    string
}

// target is the emulator that the CLIs talk to.
type target struct {
	emu    *emulator.Server
	ts     *httptest.Server
	opened atomic.Int64 // TLS connections accepted so far
	caFile string
}

func bench(tmp, cli string, set settings) (err error) {
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(failure)
			if !ok {
				panic(r)
			}
			err = f.err
		}
	}()

	variants := buildVariants(tmp, set.baseline)
	t := startTarget()
	defer t.ts.Close()
	t.caFile = filepath.Join(tmp, "ca.pem")
	writeCert(t.caFile, t.ts.TLS)
	writeConfigs(tmp, variants, set.n)

	fmt.Printf("%d resources, -parallelism=%d, %s latency, HTTPS on loopback, %s, %d repetitions\n",
		set.n, set.parallelism, set.latency, cliVersion(cli), set.reps)
	fmt.Printf("machine: %s/%s, %d CPUs\n\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	applies, plans := t.measureAll(cli, variants, set)
	report(variants, applies, plans, set)
	return nil
}

// buildVariants builds every provider before anything is timed, so that no measured run
// includes a compile. terraform_data comes last: the cost of Terraform alone, without a
// provider, against which the others can be read.
func buildVariants(tmp, baseline string) []*variant {
	variants := []*variant{
		{name: "segura", bin: build(tmp, "segura", ".", "")},
		{name: "segura (no I/O)", bin: build(tmp, "noio", ".", "benchnoio")},
	}
	if baseline != "" {
		src := filepath.Join(tmp, "baseline-src")
		run("", "git", "worktree", "add", "--detach", src, baseline)
		variants = append(variants, &variant{name: "segura at " + baseline, bin: build(tmp, "baseline", src, "")})
		run("", "git", "worktree", "remove", "--force", src)
	}
	return append(variants, &variant{name: "terraform_data"})
}

// startTarget serves the emulator over HTTPS, as a real deployment is reached, and counts
// the connections it accepts: a provider that opens a new one per request pays a handshake
// each time, and the count shows it.
func startTarget() *target {
	emu, err := emulator.New(emulator.Options{CheapSecretHashes: true})
	must(err)
	t := &target{emu: emu}
	t.ts = httptest.NewUnstartedServer(emu)
	t.ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			t.opened.Add(1)
		}
	}
	t.ts.Config.ErrorLog = log.New(devNull{}, "", 0)
	t.ts.StartTLS()
	return t
}

// writeConfigs gives every variant a folder with the same tenant IDs, so that their
// configurations differ only in the provider that serves them.
func writeConfigs(tmp string, variants []*variant, n int) {
	tenantIDs := make([]string, n)
	for i := range tenantIDs {
		tenantIDs[i] = uuid.NewString()
	}
	for _, v := range variants {
		v.dir = filepath.Join(tmp, "config-"+strings.NewReplacer(" ", "-", "(", "", ")", "", "/", "-").Replace(v.name))
		must(os.MkdirAll(v.dir, 0o700))
		must(os.WriteFile(filepath.Join(v.dir, "main.tf"), []byte(config(v, tenantIDs)), 0o600))
		rc := ""
		if v.bin != "" {
			rc = fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"segura/segura\" = %q\n  }\n  direct {}\n}\n", v.bin)
		}
		must(os.WriteFile(filepath.Join(v.dir, "cli.tfrc"), []byte(rc), 0o600))
	}
}

// measureAll interleaves the variants and rotates their order each repetition, so that a
// machine that warms up or slows down weighs on every variant alike. Each run starts from an
// empty emulator and state, so that every apply creates all N connections.
func (t *target) measureAll(cli string, variants []*variant, set settings) (applies, plans map[string][]phase) {
	applies, plans = map[string][]phase{}, map[string][]phase{}
	p := fmt.Sprintf("-parallelism=%d", set.parallelism)
	for rep := range set.reps {
		order := slices.Clone(variants)
		for range rep % len(order) { // rotate, so that no variant always runs first
			order = append(order[1:], order[0])
		}
		for _, v := range order {
			must(t.emu.Reset())
			must(t.emu.AddFault(emulator.Fault{LatencyMS: int(set.latency.Milliseconds())}))
			_ = os.Remove(filepath.Join(v.dir, "terraform.tfstate"))
			a := t.measure(cli, v, "apply", "-auto-approve", "-input=false", "-no-color", p)
			pl := t.measure(cli, v, "plan", "-input=false", "-no-color", "-detailed-exitcode", p)
			applies[v.name] = append(applies[v.name], a)
			plans[v.name] = append(plans[v.name], pl)
			fmt.Printf("rep %d  %-22s apply %6.2fs  plan %6.2fs\n", rep+1, v.name, a.wall.Seconds(), pl.wall.Seconds())
		}
	}
	return applies, plans
}

// measure runs one CLI command; the requests and connections are differences of counters,
// because the emulator and its server outlive every run.
func (t *target) measure(cli string, v *variant, args ...string) phase {
	reqs, conns := total(t.emu), t.opened.Load()
	wall, cpu := tf(cli, v, t.ts.URL, t.caFile, args...)
	return phase{wall: wall, cpu: cpu, requests: total(t.emu) - reqs, conns: t.opened.Load() - conns}
}

// report prints medians, which one slow repetition cannot move, and the ratios that the
// targets are set on: the apply's against the no-I/O build plus the latency the wire must
// cost at this parallelism, since no provider can beat that.
func report(variants []*variant, applies, plans map[string][]phase, set settings) {
	fmt.Printf("\n%-22s %10s %10s %9s %9s %10s %10s %10s %10s\n", "medians", "apply", "plan", "apply CPU", "plan CPU",
		"apply req", "plan req", "apply conn", "plan conn")
	for _, v := range variants {
		a, p := median(applies[v.name]), median(plans[v.name])
		fmt.Printf("%-22s %9.2fs %9.2fs %8.2fs %8.2fs %10d %10d %10d %10d\n", v.name, a.wall.Seconds(), p.wall.Seconds(),
			a.cpu.Seconds(), p.cpu.Seconds(), a.requests, p.requests, a.conns, p.conns)
	}
	seg, noio := variants[0].name, variants[1].name
	wire := time.Duration(set.n) * set.latency / time.Duration(set.parallelism)
	fmt.Printf("\nplan:  segura / no-I/O = %.2fx (target at most 1.15x); %d API requests (target at most 20)\n",
		ratio(plans[seg], plans[noio], 0), median(plans[seg]).requests)
	fmt.Printf("apply: segura / (no-I/O + %d x %s / %d = %.2fs) = %.2fx (target at most 1.2x)\n", set.n, set.latency, set.parallelism,
		(median(applies[noio]).wall + wire).Seconds(), ratio(applies[seg], applies[noio], wire))
	if set.baseline != "" {
		b := variants[2].name
		fmt.Printf("plan:  segura / %s = %.2fx (target at most 0.75x)\n", b, ratio(plans[seg], plans[b], 0))
	}
}

// build builds the provider in src into tmp/name, with tags; it returns the folder.
func build(tmp, name, src, tags string) string {
	dir := filepath.Join(tmp, name)
	args := []string{"build", "-o", filepath.Join(dir, "terraform-provider-segura")}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	run(src, "go", append(args, ".")...)
	return dir
}

func run(dir, name string, args ...string) {
	cmd := exec.CommandContext(context.Background(), name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		must(fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out))
	}
}

// tf runs the CLI in v's folder and returns its wall time and CPU time (the CLI's and its
// plugins').
func tf(cli string, v *variant, url, caFile string, args ...string) (wall, cpu time.Duration) {
	cmd := exec.CommandContext(context.Background(), cli, args...)
	cmd.Dir = v.dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TF_") && !strings.HasPrefix(kv, "SEGURA_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "TF_CLI_CONFIG_FILE="+filepath.Join(v.dir, "cli.tfrc"), "TF_IN_AUTOMATION=1",
		"CHECKPOINT_DISABLE=1", "SSL_CERT_FILE="+caFile, "SEGURA_URL="+url,
		"SEGURA_CLIENT_ID="+emulator.DemoClientID, "SEGURA_CLIENT_SECRET="+emulator.DemoClientSecret)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall = time.Since(start)
	if err != nil {
		must(fmt.Errorf("%s in %s: %w\n%s", strings.Join(args, " "), v.name, err, tail(out)))
	}
	u := cmd.ProcessState
	return wall, u.UserTime() + u.SystemTime()
}

func config(v *variant, tenantIDs []string) string {
	var b strings.Builder
	if v.bin != "" {
		b.WriteString("terraform {\n  required_providers {\n    segura = {\n      source = \"segura/segura\"\n    }\n  }\n}\n\n" +
			"provider \"segura\" {\n  azure_preflight = false\n}\n")
	}
	for i, id := range tenantIDs {
		if v.bin == "" {
			fmt.Fprintf(&b, "\nresource \"terraform_data\" \"t%d\" {\n  input = {\n    name = \"Tenant %d\"\n    tenant_id = %q\n"+
				"    application_id = %q\n    integration_mode = \"read\"\n    tags = [\"bench\"]\n  }\n}\n", i, i, id, id)
			continue
		}
		fmt.Fprintf(&b, "\nresource \"segura_azure_tenant\" \"t%d\" {\n  name = \"Tenant %d\"\n  tenant_id = %q\n"+
			"  application_id = %q\n  secret_value = \"secret-%s\"\n  integration_mode = \"read\"\n  tags = [\"bench\"]\n}\n",
			i, i, id, id, id)
	}
	return b.String()
}

// total is the number of requests the emulator has answered. The benchmark drives its
// controls in process, so none of them is counted.
func total(emu *emulator.Server) int {
	n := 0
	for _, statuses := range emu.Counts().Routes {
		for _, c := range statuses {
			n += c
		}
	}
	return n
}

func median(ps []phase) phase {
	s := slices.Clone(ps)
	slices.SortFunc(s, func(a, b phase) int { return int(a.wall - b.wall) })
	return s[len(s)/2]
}

func ratio(a, b []phase, plus time.Duration) float64 {
	return median(a).wall.Seconds() / (median(b).wall + plus).Seconds()
}

func writeCert(file string, cfg *tls.Config) {
	var pemBytes []byte
	for _, c := range cfg.Certificates {
		for _, der := range c.Certificate {
			pemBytes = append(pemBytes, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
		}
	}
	must(os.WriteFile(file, pemBytes, 0o600))
}

func cliVersion(cli string) string {
	out, err := exec.CommandContext(context.Background(), cli, "version").Output()
	if err != nil {
		return cli
	}
	return strings.SplitN(string(out), "\n", 2)[0]
}

func tail(b []byte) string {
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func must(err error) {
	if err != nil {
		panic(failure{err})
	}
}

type devNull struct{}

func (devNull) Write(p []byte) (int, error) { return len(p), nil }
