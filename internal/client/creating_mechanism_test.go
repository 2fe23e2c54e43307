package client_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
	"github.com/segura/terraform-provider-segura/internal/testutil"
)

// These tests pin the clauses of DESIGN.md's "Creating, so that a lost answer converges" that
// no other test breaks alone: what a replayed success is adopted for, and where a process
// takes up each chain again. They use the client's exported calls only.

// creates counts the creates that a client sends, on the wire.
func creates(rec *recorder) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := 0
	for _, r := range rec.reqs {
		if r.method == http.MethodPost && r.path == tenantsRoute {
			n++
		}
	}
	return n
}

// TestCreate_replayAdoptedOnlyWithItsConnectedAt: a replayed success is adopted only while
// its connection still exists with the replayed connected_at. A tenant disconnected since,
// and connected again by another configuration, is not adopted: the create goes on to a key
// Segura has not seen, which reports the tenant connected.
func TestCreate_replayAdoptedOnlyWithItsConnectedAt(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	ctx := context.Background()
	ours := input(tenantA, appA1, "our-secret", "read")
	first, err := e.client().CreateAzureTenant(ctx, ours)
	if err != nil {
		t.Fatal(err)
	}
	admin := e.client()
	if err := admin.DeleteAzureTenant(ctx, tenantA); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	theirs := input(tenantA, appA2, "their-secret", "read_write")
	theirs.Name = "Another configuration"
	other, err := admin.CreateAzureTenant(ctx, theirs)
	if err != nil {
		t.Fatal(err)
	}
	if other.ConnectedAt.Equal(first.ConnectedAt) {
		t.Fatalf("both connections have connected_at %v: the test cannot tell them apart", first.ConnectedAt)
	}

	// A later run of our configuration, in a new process: Segura replays our first success.
	before := e.count("POST "+tenantsRoute, "201")
	got, err := e.client().CreateAzureTenant(ctx, ours)
	if !testutil.IsConflict(err, client.CodeTenantAlreadyConnected) {
		t.Errorf("our create adopted another configuration's connection: %+v, %v; want tenant_already_connected", got, err)
	}
	if n := e.count("POST "+tenantsRoute, "201") - before; n != 1 {
		t.Errorf("%d successes answered our create, want the one replay", n)
	}
	now, err := admin.GetAzureTenant(ctx, tenantA)
	if err != nil || now.Name != theirs.Name || !now.ConnectedAt.Equal(other.ConnectedAt) {
		t.Errorf("the connection is %+v, %v; want the other configuration's, untouched", now, err)
	}
}

// TestCreate_processRemembersChainsAfterRefusals: after a refusal that Segura keeps for
// replay, the same process sends its next create of that body under the next key at once,
// rather than meet the replay of its own refusal first.
func TestCreate_processRemembersChainsAfterRefusals(t *testing.T) {
	e := newEnv(t, emulator.Options{Directory: directory(t)})
	ctx := context.Background()
	if _, err := e.client().CreateAzureTenant(ctx, input(tenantA, appA1, "good-secret", "read")); err != nil {
		t.Fatal(err)
	}
	tooLong := input(tenantB, appB1, "second-secret", "read")
	tooLong.Name = strings.Repeat("n", 129)
	for _, tc := range []struct {
		name string
		in   client.CreateAzureTenantInput
		code string
	}{
		{"validation_failed", tooLong, client.CodeValidationFailed},
		{"tenant_already_connected", input(tenantA, appA2, "no-consent-secret", "read"), client.CodeTenantAlreadyConnected},
		{"secret_in_use", input(tenantB, appB1, "good-secret", "read"), client.CodeSecretInUse},
		{"azure_connection_failed", input(tenantB, appB1, "wrong-secret", "read"), client.CodeAzureConnectionFailed},
	} {
		rec := &recorder{}
		c := e.client(func(c *client.Config) { c.Transport = rec; c.MaxRetries = retries(0) })
		for i := range 2 {
			if _, err := c.CreateAzureTenant(ctx, tc.in); !testutil.HasCode(err, tc.code) {
				t.Fatalf("%s: create %d got %v", tc.name, i+1, err)
			}
		}
		if n := creates(rec); n != 2 {
			t.Errorf("%s: two creates of one process sent %d requests, want 2: the second met the replay of the first", tc.name, n)
		}
	}
}

// TestCreate_processRemembersChainsAfterStaleReplays: after a stale replay, the same process
// starts its next create of that body where it left the chain, not at its first key.
func TestCreate_processRemembersChainsAfterStaleReplays(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	ctx := context.Background()
	rec := &recorder{}
	c := e.client(func(c *client.Config) { c.Transport = rec })
	in := input(tenantA, appA1, "chain-secret", "read")
	if _, err := c.CreateAzureTenant(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteAzureTenant(ctx, tenantA); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	// The first key's replay is stale now: the create walks to the next key, and connects.
	second, err := c.CreateAzureTenant(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	// Again, as a propagation retry would: the process starts at the key that connected, whose
	// replay is adopted, rather than walk the chain from its start.
	before := creates(rec)
	third, err := c.CreateAzureTenant(ctx, in)
	if err != nil || !third.ConnectedAt.Equal(second.ConnectedAt) {
		t.Fatalf("third create: %+v, %v; want the second's connection", third, err)
	}
	if n := creates(rec) - before; n != 1 {
		t.Errorf("the third create sent %d requests, want 1: the process did not remember where it left the chain", n)
	}
}

// TestCreate_laterRunSendsTheSameKey: a later run with the same settings, hours later and in
// another process, sends the key of the first create, receives its replay, and adopts the
// connection that the lost answer had made.
func TestCreate_laterRunSendsTheSameKey(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	ctx := context.Background()
	in := input(tenantA, appA1, "chain-secret", "read")
	first, err := e.client().CreateAzureTenant(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(23 * time.Hour)
	rec := &recorder{}
	got, err := e.client(func(c *client.Config) { c.Transport = rec }).CreateAzureTenant(ctx, in)
	if err != nil || !got.ConnectedAt.Equal(first.ConnectedAt) {
		t.Fatalf("a later run: %+v, %v; want the first create's connection", got, err)
	}
	if n := creates(rec); n != 1 {
		t.Errorf("a later run sent %d creates, want 1, answered by the replay", n)
	}
}
