package client_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
)

// TestConnections_reusedAtTerraformsParallelism: 10 callers at once, as Terraform's default
// parallelism, open about 10 connections for 400 requests, not one per request (Go's default
// transport keeps only 2 idle connections per host).
func TestConnections_reusedAtTerraformsParallelism(t *testing.T) {
	emu, err := emulator.New(emulator.Options{CheapSecretHashes: true})
	if err != nil {
		t.Fatal(err)
	}
	var opened atomic.Int64
	ts := httptest.NewUnstartedServer(emu)
	ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	ts.Start()
	t.Cleanup(ts.Close)
	c, err := client.New(client.Config{URL: ts.URL, ClientID: emulator.DemoClientID, ClientSecret: emulator.DemoClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	created, err := c.CreateAzureTenant(ctx, input(uuid.NewString(), appA1, "reuse", "read"))
	if err != nil {
		t.Fatal(err)
	}
	before := opened.Load()
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			for range 40 {
				if _, err := c.GetAzureTenant(ctx, created.TenantID); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := opened.Load() - before; n > 12 {
		t.Errorf("400 requests from 10 callers opened %d connections; want at most 12", n)
	}
}
