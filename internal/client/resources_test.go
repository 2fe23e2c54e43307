package client_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
)

// TestClient_callsLeaveNothingRunning: a call that has returned leaves no goroutine or timer
// of its requests behind, even with a long request_timeout. 200 reads that each left one
// until its timeout would show as 200 goroutines.
func TestClient_callsLeaveNothingRunning(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	c := e.client(func(cfg *client.Config) { cfg.RequestTimeout = time.Hour })
	ctx := context.Background()
	if _, err := c.GetAzureTenant(ctx, tenantA); !client.IsNotFound(err) { // the token, and a warm connection
		t.Fatalf("want not_found, got %v", err)
	}
	before := runtime.NumGoroutine()
	for range 200 {
		if _, err := c.GetAzureTenant(ctx, tenantA); !client.IsNotFound(err) {
			t.Fatalf("want not_found, got %v", err)
		}
	}
	// Goroutines of finished requests end at once; ten seconds is a guard against a hang.
	for deadline := time.Now().Add(10 * time.Second); runtime.NumGoroutine() > before+20; {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after 200 calls, %d before: the calls left work running", runtime.NumGoroutine(), before)
		}
		runtime.Gosched()
	}
}
