package client_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/emulator"
)

// BenchmarkGetAzureTenant is one authenticated read through the whole client: shared token,
// retrying transport, JSON both ways, against the in-process emulator.
func BenchmarkGetAzureTenant(b *testing.B) {
	e := newEnv(b, emulator.Options{})
	c := e.client()
	ctx := context.Background()
	created, err := c.CreateAzureTenant(ctx, input(tenantA, appA1, "bench", "read"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetAzureTenant(ctx, created.TenantID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreateAzureTenant is one idempotent create, with its Idempotency-Key. The
// emulator's cheap secret hashes and secret index keep its own cost flat and small (argon2id
// alone would be 25 ms a create), so that this measures the client.
func BenchmarkCreateAzureTenant(b *testing.B) {
	e := newEnv(b, emulator.Options{CheapSecretHashes: true})
	c := e.client()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.CreateAzureTenant(ctx, input(uuid.NewString(), appA1, uuid.NewString(), "read")); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAllAzureTenants lists 500 connections, following pages of each size.
func BenchmarkAllAzureTenants(b *testing.B) {
	e := newEnv(b, emulator.Options{CheapSecretHashes: true})
	c := e.client()
	ctx := context.Background()
	for range 500 {
		if _, err := c.CreateAzureTenant(ctx, input(uuid.NewString(), appA1, uuid.NewString(), "read")); err != nil {
			b.Fatal(err)
		}
	}
	for _, size := range []int{10, 50, 200} {
		b.Run(fmt.Sprint("page_size=", size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				n := 0
				for _, err := range c.AllAzureTenants(ctx, client.ListAzureTenantsInput{PageSize: size}) {
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				if n != 500 {
					b.Fatalf("listed %d", n)
				}
			}
		})
	}
}
