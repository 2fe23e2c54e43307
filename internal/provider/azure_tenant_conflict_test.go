package provider

import (
	"context"
	"testing"
	"time"

	"github.com/segura/terraform-provider-segura/internal/client"
)

// TestSameSettings_everySetting: a connection passes the plan's "already connected with these
// settings" warning only when every setting matches; one that differs in any, tags included,
// fails the plan.
func TestSameSettings_everySetting(t *testing.T) {
	ctx := context.Background()
	connected := client.AzureTenant{TenantID: "11111111-1111-4111-8111-111111111111",
		ApplicationID: "aaaaaaaa-0000-4000-8000-000000000001", IntegrationMode: "read",
		Connection: client.Connection{Name: "Prod", Tags: []string{"a", "b"}, Status: client.StatusActive, ConnectedAt: time.Now()}}
	plan, diags := azureTenant.connection(ctx, &connected)
	if diags.HasError() {
		t.Fatal(diags)
	}
	if !azureTenant.sameSettings(ctx, plan, &connected) {
		t.Fatal("a connection with every setting of the plan is not the same")
	}
	for name, change := range map[string]func(*client.AzureTenant){
		"name":             func(c *client.AzureTenant) { c.Name = "Other" },
		"application_id":   func(c *client.AzureTenant) { c.ApplicationID = "aaaaaaaa-0000-4000-8000-000000000002" },
		"integration_mode": func(c *client.AzureTenant) { c.IntegrationMode = "read_write" },
		"status":           func(c *client.AzureTenant) { c.Status = client.StatusInactive },
		"a tag fewer":      func(c *client.AzureTenant) { c.Tags = []string{"a"} },
		"no tags":          func(c *client.AzureTenant) { c.Tags = nil },
		"another tag":      func(c *client.AzureTenant) { c.Tags = []string{"a", "c"} },
	} {
		other := connected
		change(&other)
		if azureTenant.sameSettings(ctx, plan, &other) {
			t.Errorf("%s differs, yet the settings are the same", name)
		}
	}
}
