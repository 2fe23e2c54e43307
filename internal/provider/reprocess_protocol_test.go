package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/jonboulle/clockwork"

	"github.com/segura/terraform-provider-segura/internal/azure"
	"github.com/segura/terraform-provider-segura/internal/azure/azuretest"
	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
)

// These tests drive the reprocess action as Terraform does, over protocol 6 (configure the
// provider, validate, plan and invoke the action, read its stream of events), with no CLI.
// Actions need Terraform 1.14, so the TestAccCLI_reprocess* tests skip on the older CLIs and
// on OpenTofu; these run everywhere, in `make unit` too.

const reprocessActionType = "segura_azure_tenant_reprocess"

// protocolServer is the provider of a test as Terraform sees it: a protocol 6 server,
// configured against an emulator.
type protocolServer struct {
	t *testing.T
	// server is what Terraform 1.14 and later talk to; actions are still a separate
	// interface of terraform-plugin-go, deprecated only for its coming merge into ProviderServer.
	server tfprotov6.ProviderServerWithActions //nolint:staticcheck // no other interface has the action methods yet
	schema *tfprotov6.GetProviderSchemaResponse
	// action is the type of the action invoked, key the attribute that names its connection:
	// the Azure tenant's unless a test sets another kind's.
	action, key string
}

// newProtocolServer starts the provider on clock and configures it against e.
func newProtocolServer(t *testing.T, e *accEnv, clock clockwork.Clock) *protocolServer {
	t.Helper()
	plain, err := providerserver.NewProtocol6WithError(&seguraProvider{version: "test", clock: clock,
		preflightTransport: trustedTransport, retryWaitMin: e.retryWaitMin, retryWaitMax: e.retryWaitMax})()
	if err != nil {
		t.Fatal(err)
	}
	server, ok := plain.(tfprotov6.ProviderServerWithActions) //nolint:staticcheck // see protocolServer.server
	if !ok {
		t.Fatalf("the provider's server %T serves no actions", plain)
	}
	ctx := context.Background()
	schema, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	failOnErrors(t, "GetProviderSchema", schema.Diagnostics)
	p := &protocolServer{t: t, server: server, schema: schema, action: reprocessActionType, key: "tenant_id"}
	config := p.value(schema.Provider, map[string]tftypes.Value{
		"url":                  tftypes.NewValue(tftypes.String, e.url),
		"client_id":            tftypes.NewValue(tftypes.String, e.id),
		"client_secret":        tftypes.NewValue(tftypes.String, e.secret),
		"azure_authority_host": tftypes.NewValue(tftypes.String, e.entraURL),
		"azure_graph_endpoint": tftypes.NewValue(tftypes.String, strings.TrimSuffix(e.entraURL, "/")),
	})
	resp, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{TerraformVersion: "1.14.0", Config: config})
	if err != nil {
		t.Fatal(err)
	}
	failOnErrors(t, "ConfigureProvider", resp.Diagnostics)
	return p
}

// value is an object of schema's type with the attributes of set, and every other one null,
// as Terraform sends a configuration that leaves them out.
func (p *protocolServer) value(schema *tfprotov6.Schema, set map[string]tftypes.Value) *tfprotov6.DynamicValue {
	p.t.Helper()
	typ, ok := schema.ValueType().(tftypes.Object)
	if !ok {
		p.t.Fatalf("the schema's type is %s, not an object", schema.ValueType())
	}
	values := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		values[name] = tftypes.NewValue(at, nil)
		if v, ok := set[name]; ok {
			values[name] = v
		}
	}
	for name := range set {
		if _, ok := typ.AttributeTypes[name]; !ok {
			p.t.Fatalf("the schema has no attribute %q", name)
		}
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, values))
	if err != nil {
		p.t.Fatal(err)
	}
	return &dv
}

// actionConfig is the configuration of the reprocess action of tenantID; wait and timeout
// are left out when nil or "".
func (p *protocolServer) actionConfig(tenantID string, wait *bool, timeout string) *tfprotov6.DynamicValue {
	p.t.Helper()
	schema, ok := p.schema.ActionSchemas[p.action]
	if !ok {
		p.t.Fatalf("the provider has no action %s", p.action)
	}
	set := map[string]tftypes.Value{p.key: tftypes.NewValue(tftypes.String, tenantID)}
	if wait != nil {
		set["wait"] = tftypes.NewValue(tftypes.Bool, *wait)
	}
	if timeout != "" {
		set["timeout"] = tftypes.NewValue(tftypes.String, timeout)
	}
	return p.value(schema.Schema, set)
}

// invoked is what an invocation of the action sent back: its progress messages, in order, and
// the diagnostics of its completion.
type invoked struct {
	progress  []string
	diags     []*tfprotov6.Diagnostic
	completed int // completion events: exactly one is the protocol
}

// invoke validates, plans and invokes the action with config, as Terraform does, and reads
// its events until the stream ends.
func (p *protocolServer) invoke(config *tfprotov6.DynamicValue) (invoked, error) {
	ctx := context.Background()
	validated, err := p.server.ValidateActionConfig(ctx, &tfprotov6.ValidateActionConfigRequest{ActionType: p.action, Config: config})
	if err != nil {
		return invoked{}, err
	}
	if msg := errorsOf(validated.Diagnostics); msg != "" {
		return invoked{}, fmt.Errorf("ValidateActionConfig: %s", msg)
	}
	planned, err := p.server.PlanAction(ctx, &tfprotov6.PlanActionRequest{ActionType: p.action, Config: config})
	if err != nil {
		return invoked{}, err
	}
	if msg := errorsOf(planned.Diagnostics); msg != "" {
		return invoked{}, fmt.Errorf("PlanAction: %s", msg)
	}
	stream, err := p.server.InvokeAction(ctx, &tfprotov6.InvokeActionRequest{ActionType: p.action, Config: config})
	if err != nil {
		return invoked{}, err
	}
	var out invoked
	for event := range stream.Events {
		switch ev := event.Type.(type) {
		case tfprotov6.ProgressInvokeActionEventType:
			out.progress = append(out.progress, ev.Message)
		case tfprotov6.CompletedInvokeActionEventType:
			out.completed++
			out.diags = append(out.diags, ev.Diagnostics...)
		default:
			return out, fmt.Errorf("an event of unknown type %T", event.Type)
		}
	}
	return out, nil
}

// invokeAsync is invoke in a goroutine: the result arrives on the channel.
func (p *protocolServer) invokeAsync(config *tfprotov6.DynamicValue) <-chan invokeResult {
	done := make(chan invokeResult, 1)
	go func() {
		out, err := p.invoke(config)
		done <- invokeResult{out, err}
	}()
	return done
}

type invokeResult struct {
	invoked
	err error
}

// errorsOf is the text of the error diagnostics of diags, "" when there is none.
func errorsOf(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			fmt.Fprintf(&b, "[%s: %s] ", d.Summary, d.Detail)
		}
	}
	return b.String()
}

func failOnErrors(t *testing.T, call string, diags []*tfprotov6.Diagnostic) {
	t.Helper()
	if msg := errorsOf(diags); msg != "" {
		t.Fatalf("%s: %s", call, msg)
	}
}

// connect makes a connection in the emulator, outside the provider, and waits out its first
// synchronization on clock.
func connect(t *testing.T, e *accEnv, clock *clockwork.FakeClock, in client.CreateAzureTenantInput) {
	t.Helper()
	if _, err := e.api.CreateAzureTenant(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	clock.Advance(5 * time.Minute) // the first run has finished; the next starts 15 minutes after it
}

func demoTenant(status string) client.CreateAzureTenantInput {
	c := newTenantConfig()
	return client.CreateAzureTenantInput{Name: "Reprocessed", TenantID: c.tenantID, ApplicationID: c.appID,
		SecretValue: c.secret, IntegrationMode: "read", Status: status}
}

// TestReprocessAction_pollsBackOffOnTheProviderClock: the action reprocesses the connection
// and, waiting by default, reads it again after 1 s, then twice as long each time up to 15 s,
// on the provider's clock; it sends one progress event a change of state, not one a read, and
// completes without error once the run has succeeded.
func TestReprocessAction_pollsBackOffOnTheProviderClock(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Now())
	// A run is pending for its first 20 s, running until 60 s, then succeeded.
	e := newEmulatorEnv(t, emulator.Options{Clock: clock, SyncDuration: time.Minute}, "it runs synchronizations on the test's clock and counts reads")
	in := demoTenant("active")
	connect(t, e, clock, in)
	p := newProtocolServer(t, e, clock)

	start := clock.Now()
	done := p.invokeAsync(p.actionConfig(in.TenantID, nil, ""))
	// Move the clock a second at a time, each time once the action waits on it again, and
	// note when it read the connection.
	var reads []time.Duration
	seen := 0
	var res invokeResult
	for finished := false; !finished; {
		blocked := make(chan error, 1)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // guards against a hang only
		go func() { blocked <- clock.BlockUntilContext(ctx, 1) }()
		select {
		case res = <-done:
			finished = true
		case err := <-blocked:
			if err != nil {
				cancel()
				t.Fatalf("after %v of the clock, the action neither waits on the provider's clock nor has finished (reads at %v)",
					clock.Since(start), reads)
			}
		}
		cancel()
		for n := e.count(getTenantRoute, "200"); seen < n; seen++ {
			reads = append(reads, clock.Since(start))
		}
		if !finished {
			if clock.Since(start) > 5*time.Minute {
				t.Fatalf("the action still waits after 5 minutes of a 1-minute synchronization (reads at %v)", reads)
			}
			clock.Advance(time.Second)
		}
	}
	if res.err != nil {
		t.Fatal(res.err)
	}
	// The read before the reprocess, then 1, 2, 4, 8, 15, 15, 15 s apart.
	want := []time.Duration{0, 1 * time.Second, 3 * time.Second, 7 * time.Second, 15 * time.Second, 30 * time.Second,
		45 * time.Second, 60 * time.Second}
	if !slices.Equal(reads, want) {
		t.Errorf("reads of the connection at %v of the clock, want %v", reads, want)
	}
	if n := e.count(reprocessRoute, "202"); n != 1 {
		t.Errorf("%d reprocess requests, want 1", n)
	}
	prefix := "Azure tenant " + in.TenantID + ": synchronization "
	wantProgress := []string{prefix + "pending", prefix + "running", prefix + "succeeded"}
	if !slices.Equal(res.progress, wantProgress) {
		t.Errorf("progress %q, want %q", res.progress, wantProgress)
	}
	if res.completed != 1 || len(res.diags) != 0 {
		t.Errorf("%d completions with diagnostics %s, want one without", res.completed, diagsText(res.diags))
	}
}

// TestReprocessAction_noWaitOnlyStarts: with wait = false the action reprocesses and returns,
// without reading the connection again.
func TestReprocessAction_noWaitOnlyStarts(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Now())
	e := newEmulatorEnv(t, emulator.Options{Clock: clock}, "it counts reads and reprocess requests")
	in := demoTenant("active")
	connect(t, e, clock, in)
	p := newProtocolServer(t, e, clock) // a clock that no one moves: a wait would never end
	noWait := false
	var res invokeResult
	select {
	case res = <-p.invokeAsync(p.actionConfig(in.TenantID, &noWait, "")):
	case <-time.After(20 * time.Second): // guards against a hang only
		t.Fatal("the action still runs after 20s: it waits for the synchronization")
	}
	if res.err != nil {
		t.Fatal(res.err)
	}
	if res.completed != 1 || len(res.diags) != 0 {
		t.Errorf("%d completions with diagnostics %s, want one without", res.completed, diagsText(res.diags))
	}
	if n, r := e.count(getTenantRoute, ""), e.count(reprocessRoute, "202"); n != 1 || r != 1 {
		t.Errorf("%d reads and %d reprocess requests, want 1 read before the reprocess and 1 reprocess", n, r)
	}
}

// TestReprocessAction_refusesInactive: the action reads the connection and refuses an
// inactive one, saying what to do, without sending the reprocess.
func TestReprocessAction_refusesInactive(t *testing.T) {
	clock := newSkipClock()
	e := newEmulatorEnv(t, emulator.Options{Clock: clock}, "it counts reprocess requests")
	in := demoTenant("inactive")
	connect(t, e, clock.FakeClock, in)
	p := newProtocolServer(t, e, clock)
	res, err := p.invoke(p.actionConfig(in.TenantID, nil, ""))
	if err != nil {
		t.Fatal(err)
	}
	if msg := errorsOf(res.diags); !strings.Contains(msg, "Connection inactive") || !strings.Contains(msg, `status = "active"`) {
		t.Errorf("an inactive connection is not refused with what to do: %s", diagsText(res.diags))
	}
	if n := e.count(reprocessRoute, ""); n != 0 {
		t.Errorf("%d reprocess requests for an inactive connection, want 0", n)
	}
	if n := e.count(getTenantRoute, "200"); n != 1 {
		t.Errorf("%d reads of the connection, want 1", n)
	}
}

// TestReprocessAction_failedRunFailsWithTheAdvice: a run that fails fails the action with its
// reason and what to do, for an Azure tenant every Graph permission its mode needs, each with
// its ID; a refresh that reads that run warns with the same words.
func TestReprocessAction_failedRunFailsWithTheAdvice(t *testing.T) {
	d := newTestDirectory(0)
	clock := newSkipClock()
	e := newEmulatorEnv(t, emulator.Options{Clock: clock, Directory: d.dir}, "its directory loses a permission after the connection is made")
	c := d.config(d.goodApp, azure.ModeReadWrite)
	connect(t, e, clock.FakeClock, client.CreateAzureTenantInput{Name: c.name, TenantID: c.tenantID, ApplicationID: c.appID,
		SecretValue: c.secret, IntegrationMode: c.mode})
	for i := range d.dir.Tenants[0].Applications {
		if app := &d.dir.Tenants[0].Applications[i]; app.ApplicationID == d.goodApp {
			app.GraphPermissions = slices.DeleteFunc(slices.Clone(app.GraphPermissions),
				func(name string) bool { return name == "RoleManagement.ReadWrite.Directory" })
		}
	}
	p := newProtocolServer(t, e, clock)
	res, err := p.invoke(p.actionConfig(c.tenantID, nil, ""))
	if err != nil {
		t.Fatal(err)
	}
	var failed *tfprotov6.Diagnostic
	for _, d := range res.diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			failed = d
		}
	}
	if res.completed != 1 || failed == nil || len(res.diags) != 1 {
		t.Fatalf("want one completion with one error, the failed run; got %d with %s", res.completed, diagsText(res.diags))
	}
	if want := "Synchronization of Azure tenant " + c.tenantID + " lacks permissions"; failed.Summary != want {
		t.Errorf("summary %q, want %q", failed.Summary, want)
	}
	if !strings.Contains(failed.Detail, "(missing_permissions)") || !strings.Contains(failed.Detail, "RoleManagement.ReadWrite.Directory") {
		t.Errorf("the error does not give the run's reason and Segura's message:\n%s", failed.Detail)
	}
	// The oracle is the verified reference table, not package azure.
	for _, r := range azuretest.For("graph_app_role", azure.ModeReadWrite) {
		if !strings.Contains(failed.Detail, r.Name+" (app role "+r.ID+")") {
			t.Errorf("the error does not name %s (app role %s), which read_write needs:\n%s", r.Name, r.ID, failed.Detail)
		}
	}
	if last := res.progress[len(res.progress)-1]; !strings.HasSuffix(last, "synchronization failed (missing_permissions)") {
		t.Errorf("the last progress is %q, want the failure with its reason", last)
	}

	warning := p.refreshWarning(c.tenantID)
	if warning == nil || warning.Summary != failed.Summary || warning.Detail != failed.Detail {
		t.Errorf("a refresh of the connection warns %+v, want the action's words:\n%s\n%s", warning, failed.Summary, failed.Detail)
	}
}

// refreshWarning reads the connection of tenantID as a refresh does, and returns its one
// warning, nil when there is none.
func (p *protocolServer) refreshWarning(tenantID string) *tfprotov6.Diagnostic {
	p.t.Helper()
	schema, ok := p.schema.ResourceSchemas["segura_azure_tenant"]
	if !ok {
		p.t.Fatal("the provider has no resource segura_azure_tenant")
	}
	state := p.value(schema, map[string]tftypes.Value{
		"id":        tftypes.NewValue(tftypes.String, tenantID),
		"tenant_id": tftypes.NewValue(tftypes.String, tenantID),
	})
	resp, err := p.server.ReadResource(context.Background(), &tfprotov6.ReadResourceRequest{TypeName: "segura_azure_tenant", CurrentState: state})
	if err != nil {
		p.t.Fatal(err)
	}
	failOnErrors(p.t, "ReadResource", resp.Diagnostics)
	if len(resp.Diagnostics) > 1 {
		p.t.Fatalf("the refresh sent %s, want at most one warning", diagsText(resp.Diagnostics))
	}
	if len(resp.Diagnostics) == 0 {
		return nil
	}
	return resp.Diagnostics[0]
}

// TestReprocessAction_failedReadEndsTheWait: a read of the wait that fails ends it with its
// error, instead of reading on.
func TestReprocessAction_failedReadEndsTheWait(t *testing.T) {
	clock := newSkipClock()
	e := newEmulatorEnv(t, emulator.Options{Clock: clock, SyncDuration: time.Minute}, "it injects a refused read")
	in := demoTenant("active")
	connect(t, e, clock.FakeClock, in)
	// The read before the reprocess and the first of the wait pass; the second is refused.
	e.fault(t, emulator.Fault{Route: getTenantRoute, Status: 403, Code: "forbidden", After: 2, Count: 1})
	p := newProtocolServer(t, e, clock)
	res, err := p.invoke(p.actionConfig(in.TenantID, nil, ""))
	if err != nil {
		t.Fatal(err)
	}
	if msg := errorsOf(res.diags); !strings.Contains(msg, "follow the synchronization of Azure tenant "+in.TenantID+":") ||
		!strings.Contains(msg, "Cloud Entitlements administrator role") || !strings.Contains(msg, "Request ID: ") {
		t.Errorf("the refused read does not fail the action with its error: %s", diagsText(res.diags))
	}
	if n := e.count(getTenantRoute, ""); n != 3 {
		t.Errorf("%d reads, want 3: the wait ends at the refused one", n)
	}
}

// TestReprocessAction_timeoutEndsTheWait: the wait ends when the action's timeout does, with
// what to do; the run goes on in Segura.
func TestReprocessAction_timeoutEndsTheWait(t *testing.T) {
	clock := clockwork.NewFakeClockAt(time.Now())
	e := newEmulatorEnv(t, emulator.Options{Clock: clock}, "it runs synchronizations on the test's clock")
	in := demoTenant("active")
	connect(t, e, clock, in)
	// No one moves the provider's clock: the run stays pending, and only the timeout (of real
	// time, as a context's deadline) can end the wait.
	p := newProtocolServer(t, e, clock)
	select {
	case res := <-p.invokeAsync(p.actionConfig(in.TenantID, nil, "2s")):
		if res.err != nil {
			t.Fatal(res.err)
		}
		if msg := errorsOf(res.diags); !strings.Contains(msg, "Synchronization not finished in time") ||
			!strings.Contains(msg, "still pending after 2s") || !strings.Contains(msg, "raise the action's timeout") {
			t.Errorf("the timeout does not end the wait with what to do: %s", diagsText(res.diags))
		}
	case <-time.After(20 * time.Second): // guards against a hang only
		t.Fatal("the action still waits 20s after it began, with a timeout of 2s")
	}
}

func diagsText(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "\n  %s: %s: %s", d.Severity, d.Summary, d.Detail)
	}
	if b.Len() == 0 {
		return "(none)"
	}
	return b.String()
}
