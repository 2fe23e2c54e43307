package provider

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
	"github.com/segura/terraform-provider-segura/internal/testutil"
)

const (
	routeGetTenant   = "GET /api/cloud-entitlements/v1/azure/tenants/{tenant_id}"
	routeListTenants = "GET /api/cloud-entitlements/v1/azure/tenants"
)

// readsEnv is an emulator with n connections (and others, not read), and a client of it.
func readsEnv(t *testing.T, n, others int) (*emulator.Server, *client.Client, []string) {
	t.Helper()
	emu, err := emulator.New(emulator.Options{CheapSecretHashes: true})
	if err != nil {
		t.Fatal(err)
	}
	ts := serve(t, emu, nil)
	c := newTestClient(t, client.Config{URL: ts.URL, ClientID: emulator.DemoClientID, ClientSecret: emulator.DemoClientSecret,
		RetryWaitMin: testRetryWaitMin, RetryWaitMax: testRetryWaitMax})
	var ids []string
	for i := range n + others {
		in := client.CreateAzureTenantInput{Name: fmt.Sprint("Tenant ", i), TenantID: uuid.NewString(), ApplicationID: uuid.NewString(),
			SecretValue: "secret-" + uuid.NewString(), IntegrationMode: "read"}
		if _, err := c.CreateAzureTenant(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		if i < n {
			ids = append(ids, in.TenantID)
		}
	}
	return emu, c, ids
}

// readAll reads ids as Terraform does, with parallelism 10, and returns what each read got.
func readAll(t *testing.T, r *tenantReads, c *client.Client, ids []string) map[string]error {
	t.Helper()
	var mu sync.Mutex
	got := map[string]error{}
	sem := make(chan struct{}, 10)
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			tenant, err := r.get(context.Background(), c, id)
			if err == nil && tenant.TenantID != id {
				err = fmt.Errorf("read %s got %s", id, tenant.TenantID)
			}
			mu.Lock()
			got[id] = err
			mu.Unlock()
		})
	}
	wg.Wait()
	return got
}

func TestTenantReads_fewReadsAreGETs(t *testing.T) {
	emu, c, ids := readsEnv(t, directReads, 0)
	r := tenantReads{col: client.AzureTenants}
	for id, err := range readAll(t, &r, c, ids) {
		if err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	counts := emu.Counts()
	if n := counts.Total(routeGetTenant, "200"); n != directReads {
		t.Errorf("%d GETs for %d reads", n, directReads)
	}
	if n := counts.Total(routeListTenants, ""); n != 0 {
		t.Errorf("%d list requests for %d reads; a few reads list nothing", n, directReads)
	}
}

func TestTenantReads_manyReadsAreServedFromPages(t *testing.T) {
	emu, c, ids := readsEnv(t, 450, 0)
	// Out of band: one connection changes, one is disconnected.
	newName := "Renamed out of band"
	if _, err := c.UpdateAzureTenant(context.Background(), ids[7], client.UpdateAzureTenantInput{Name: &newName}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteAzureTenant(context.Background(), ids[9]); err != nil {
		t.Fatal(err)
	}
	before := emu.Counts()
	r := tenantReads{col: client.AzureTenants}
	for id, err := range readAll(t, &r, c, ids) {
		switch {
		case id == ids[9] && !client.IsNotFound(err):
			t.Errorf("the disconnected connection read as %v; want not found", err)
		case id != ids[9] && err != nil:
			t.Errorf("%s: %v", id, err)
		}
	}
	renamed, err := r.get(context.Background(), c, ids[7])
	if err != nil || renamed.Name != newName {
		t.Errorf("the renamed connection reads as %+v, %v", renamed, err)
	}
	after := emu.Counts()
	gets := after.Total(routeGetTenant, "") - before.Total(routeGetTenant, "")
	pages := after.Total(routeListTenants, "") - before.Total(routeListTenants, "")
	// directReads GETs, 3 pages of 200 and the GET that confirms the disconnected one.
	if gets > directReads+1 || pages != 3 {
		t.Errorf("451 reads of 450 connections cost %d GETs and %d pages; want at most %d and 3", gets, pages, directReads+1)
	}
}

func TestTenantReads_writesAreNeverHiddenByOlderPages(t *testing.T) {
	_, c, ids := readsEnv(t, 20, 0)
	r := tenantReads{col: client.AzureTenants}
	// A write begun before the listing, that ends after its pages were read.
	r.writing(ids[2])
	readAll(t, &r, c, ids) // the listing is done
	newName := "Renamed by this process"
	for _, id := range ids[2:4] {
		if id == ids[3] {
			r.writing(id) // a write begun after the listing
		}
		if _, err := c.UpdateAzureTenant(context.Background(), id, client.UpdateAzureTenantInput{Name: &newName}); err != nil {
			t.Fatal(err)
		}
		got, err := r.get(context.Background(), c, id)
		if err != nil || got.Name != newName {
			t.Errorf("read after a write of this process: %+v, %v; want the new name", got, err)
		}
	}
	r.writing(ids[4]) // a disconnection by this process
	if err := c.DeleteAzureTenant(context.Background(), ids[4]); err != nil {
		t.Fatal(err)
	}
	if _, err := r.get(context.Background(), c, ids[4]); !client.IsNotFound(err) {
		t.Errorf("read after a disconnection: %v; want not found", err)
	}
	if gone, err := r.connected(context.Background(), c, ids[4]); gone != nil || err != nil {
		t.Errorf("connected after a disconnection: %+v, %v; want none", gone, err)
	}
}

// TestTenantReads_missingFromPagesIsConfirmed: a connection made out of band after the pages
// were read is not on them; a read finds it with its own GET, rather than report it gone.
func TestTenantReads_missingFromPagesIsConfirmed(t *testing.T) {
	emu, c, ids := readsEnv(t, 20, 0)
	r := tenantReads{col: client.AzureTenants}
	readAll(t, &r, c, ids)
	if !r.complete {
		t.Fatal("the listing is not complete after 20 reads of 20 connections")
	}
	in := client.CreateAzureTenantInput{Name: "Late", TenantID: uuid.NewString(), ApplicationID: uuid.NewString(),
		SecretValue: "secret-" + uuid.NewString(), IntegrationMode: "read"}
	if _, err := c.CreateAzureTenant(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	before := emu.Counts().Total(routeGetTenant, "200")
	if got, err := r.get(context.Background(), c, in.TenantID); err != nil || got.Name != "Late" {
		t.Errorf("a connection missing from the pages reads as %+v, %v; want it found", got, err)
	}
	if n := emu.Counts().Total(routeGetTenant, "200") - before; n != 1 {
		t.Errorf("%d GETs confirmed the missing connection, want 1", n)
	}
}

func TestTenantReads_largeAccountFewReads(t *testing.T) {
	emu, c, ids := readsEnv(t, 8, 4000)
	r := tenantReads{col: client.AzureTenants}
	for id, err := range readAll(t, &r, c, ids) {
		if err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	counts := emu.Counts()
	gets, pages := counts.Total(routeGetTenant, "200"), counts.Total(routeListTenants, "")
	// A listing is worth as many pages as there were reads: never more than twice the GETs,
	// where the whole account is 21 pages.
	if gets+pages > 2*len(ids) {
		t.Errorf("8 reads in an account of 4,008 cost %d GETs and %d pages", gets, pages)
	}
}

// TestAccAzureTenant_refreshFromPages: a refresh of many connections reads them from list
// pages, and still sees a change and a disconnection made out of band: the plan updates the
// one and connects the other again.
func TestAccAzureTenant_refreshFromPages(t *testing.T) {
	e := newEmulatorEnv(t, emulator.Options{}, "it counts the list pages of a refresh")
	run := "pages-" + uuid.NewString()[:8]
	hcl, ids := manyTenants(run, 12)
	var gets int
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.providers(),
		CheckDestroy:             e.checkGone(ids...),
		Steps: []resource.TestStep{
			{Config: e.config(hcl)},
			{
				PreConfig: func() {
					renamed := "Renamed out of band"
					if _, err := e.api.UpdateAzureTenant(context.Background(), ids[3], client.UpdateAzureTenantInput{Name: &renamed}); err != nil {
						t.Fatal(err)
					}
					if err := e.api.DeleteAzureTenant(context.Background(), ids[5]); err != nil {
						t.Fatal(err)
					}
					gets = e.count(routeGetTenant, "")
				},
				Config: e.config(hcl),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("segura_azure_tenant.t3", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("segura_azure_tenant.t5", plancheck.ResourceActionCreate),
				}},
				Check: func(*terraform.State) error {
					if n := e.count(routeListTenants, "200"); n == 0 {
						return errors.New("no list page was read: the refresh read each connection alone")
					}
					// Each command reads at most directReads connections alone, plus the one that
					// the pages lack, confirmed by its own GET.
					if n := e.count(routeGetTenant, "") - gets; n >= 12 {
						return fmt.Errorf("the refreshes made %d single reads for 12 connections", n)
					}
					got, err := e.api.GetAzureTenant(context.Background(), ids[3])
					if err != nil {
						return err
					}
					if got.Name != "Tenant 3" {
						return fmt.Errorf("the renamed connection is named %q after the apply", got.Name)
					}
					return nil
				},
			},
		},
	})
}

// TestTenantReads_noGoroutineOutlivesARead: the listing is read by the reads themselves, so
// that a read whose context ends while a page is slow to come leaves nothing behind.
func TestTenantReads_noGoroutineOutlivesARead(t *testing.T) {
	emu, c, ids := readsEnv(t, directReads+1, 0)
	r := tenantReads{col: client.AzureTenants}
	readAll(t, &r, c, ids[:directReads])
	testutil.Fault(t, emu.AddFault, emulator.Fault{Route: routeListTenants, LatencyMS: 3000, Count: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := r.get(ctx, c, ids[directReads]); err == nil {
		t.Fatal("a read whose page came after its deadline succeeded")
	}
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	if strings.Contains(stacks, "provider.(*connectionReads") {
		t.Errorf("a goroutine of the read goes on after it returned:\n%s", stacks)
	}
}

// tenantReads are the reads of Azure tenants.
type tenantReads = connectionReads[client.AzureTenant, *client.AzureTenant]
