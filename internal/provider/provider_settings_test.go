package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/jonboulle/clockwork"
)

// configured runs the provider's Configure with settings (every other one null) and returns
// the data it hands to resources and the diagnostics.
func configured(t *testing.T, settings map[string]string) (*providerData, []string) {
	t.Helper()
	ctx := context.Background()
	p := &seguraProvider{version: "test", clock: clockwork.NewFakeClock()}
	var sresp provider.SchemaResponse
	p.Schema(ctx, provider.SchemaRequest{}, &sresp)
	typ := sresp.Schema.Type().TerraformType(ctx).(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		if v, ok := settings[name]; ok {
			vals[name] = tftypes.NewValue(tftypes.String, v)
		} else {
			vals[name] = tftypes.NewValue(at, nil)
		}
	}
	var resp provider.ConfigureResponse
	p.Configure(ctx, provider.ConfigureRequest{Config: tfsdk.Config{Schema: sresp.Schema, Raw: tftypes.NewValue(typ, vals)}}, &resp)
	var texts []string
	for _, d := range resp.Diagnostics {
		texts = append(texts, d.Severity().String()+": "+d.Summary()+": "+d.Detail())
	}
	data, _ := resp.ResourceData.(*providerData)
	return data, texts
}

// TestPropagationTimeout_settings: propagation_timeout (or SEGURA_PROPAGATION_TIMEOUT) sets the
// wait of every kind; unset, each kind has its default (Azure 3m), which the deprecated
// azure_propagation_timeout (or its variable) still sets for Azure tenants, with a warning that
// names the new setting; propagation_timeout wins over it.
func TestPropagationTimeout_settings(t *testing.T) {
	for _, tc := range []struct {
		name     string
		settings map[string]string
		env      map[string]string
		want     time.Duration
		warns    bool
	}{
		{name: "default", want: 3 * time.Minute},
		{name: "general", settings: map[string]string{"propagation_timeout": "45s"}, want: 45 * time.Second},
		{name: "general off", settings: map[string]string{"propagation_timeout": "0s"}, want: 0},
		{name: "general from env", env: map[string]string{"SEGURA_PROPAGATION_TIMEOUT": "2m"}, want: 2 * time.Minute},
		{name: "deprecated", settings: map[string]string{"azure_propagation_timeout": "7m"}, want: 7 * time.Minute},
		{name: "deprecated from env", env: map[string]string{"SEGURA_AZURE_PROPAGATION_TIMEOUT": "8m"}, want: 8 * time.Minute, warns: true},
		{name: "general wins", settings: map[string]string{"propagation_timeout": "1m", "azure_propagation_timeout": "9m"}, want: time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("SEGURA_PROPAGATION_TIMEOUT", "")
			t.Setenv("SEGURA_AZURE_PROPAGATION_TIMEOUT", "")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			data, diags := configured(t, tc.settings)
			if data == nil {
				t.Fatalf("not configured: %v", diags)
			}
			if got := data.propagationFor(&azureTenant); got != tc.want {
				t.Errorf("Azure's wait = %s, want %s", got, tc.want)
			}
			warned := len(diags) == 1 && strings.HasPrefix(diags[0], "Warning:") && strings.Contains(diags[0], "SEGURA_PROPAGATION_TIMEOUT")
			if warned != tc.warns || (!tc.warns && len(diags) != 0) {
				t.Errorf("diagnostics %v, want a warning naming the new setting: %v", diags, tc.warns)
			}
		})
	}
	if _, diags := configured(t, map[string]string{"propagation_timeout": "-1m"}); len(diags) != 1 || !strings.Contains(diags[0], "Invalid propagation_timeout") {
		t.Errorf("an invalid duration: %v", diags)
	}
}

// TestPropagationTimeout_deprecation: the schema deprecates azure_propagation_timeout, so that
// Terraform warns of it where it is set, naming the setting that replaces it.
func TestPropagationTimeout_deprecation(t *testing.T) {
	var resp provider.SchemaResponse
	(&seguraProvider{}).Schema(context.Background(), provider.SchemaRequest{}, &resp)
	old := resp.Schema.Attributes["azure_propagation_timeout"].GetDeprecationMessage()
	if !strings.Contains(old, "propagation_timeout (SEGURA_PROPAGATION_TIMEOUT)") {
		t.Errorf("azure_propagation_timeout's deprecation: %q", old)
	}
	if msg := resp.Schema.Attributes["propagation_timeout"].GetDeprecationMessage(); msg != "" {
		t.Errorf("propagation_timeout is deprecated: %q", msg)
	}
}
