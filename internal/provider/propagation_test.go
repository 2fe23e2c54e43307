package provider

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/segura/terraform-provider-segura/internal/azure"
	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/testutil"
)

func azureErr(reasons ...string) error {
	e := &client.APIError{StatusCode: 422, Code: client.CodeAzureConnectionFailed, RequestID: "req-1"}
	for _, r := range reasons {
		e.Details = append(e.Details, client.ErrorDetail{Reason: r, Missing: []string{"Reader"}})
	}
	return e
}

func TestPropagationReason(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("boom"), ""},
		{&azure.Failure{Reason: azure.ReasonInvalidClientSecret}, "invalid_client_secret"},
		{&azure.Failure{Reason: azure.ReasonTenantNotFound}, ""},
		{azureErr("missing_permissions", "missing_role"), "missing_permissions, missing_role"},
		{azureErr("missing_role", "tenant_not_found"), ""},
		{&client.APIError{StatusCode: 409, Code: client.CodeSecretInUse}, ""},
	} {
		if got := azurePropagationReason(tc.err); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestUntilPropagated(t *testing.T) {
	ctx := context.Background()
	clock := newSkipClock()
	start := clock.Now()
	tries := 0
	err := azureTenant.propagation.until(ctx, clock, time.Minute, func(context.Context) error {
		tries++
		if tries < 3 {
			return &azure.Failure{Reason: azure.ReasonApplicationNotFound}
		}
		return nil
	})
	if err != nil || tries != 3 {
		t.Errorf("succeeds on the third try: %v after %d", err, tries)
	}
	if waited := clock.Since(start); waited != 3*time.Second {
		t.Errorf("waited %v between the tries, want 1s then 2s", waited)
	}

	tries = 0
	final := errors.New("not found")
	if err := azureTenant.propagation.until(ctx, clock, time.Minute, func(context.Context) error { tries++; return final }); !errors.Is(err, final) || tries != 1 {
		t.Errorf("other errors fail at once: %v after %d", err, tries)
	}

	tries = 0
	err = azureTenant.propagation.until(ctx, clock, 0, func(context.Context) error { tries++; return azureErr("missing_role") })
	var gaveUp *propagationGaveUp
	if tries != 1 || errors.As(err, &gaveUp) || !testutil.HasAzureFailure(err, "missing_role") {
		t.Errorf("a zero window does not retry: %v after %d", err, tries)
	}

	// The window ends the waits: 1s and 2s fit in 3s, the next 4s does not.
	tries = 0
	err = azureTenant.propagation.until(ctx, clock, 3*time.Second, func(context.Context) error { tries++; return azureErr("missing_role") })
	if !errors.As(err, &gaveUp) || gaveUp.tries != 3 || tries != 3 || gaveUp.waited != 3*time.Second {
		t.Errorf("window: %v after %d tries (%+v)", err, tries, gaveUp)
	}

	// The context's deadline, when sooner, ends them too: 1s fits in what is left of 1.5s, 2s more does not.
	short, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
	defer cancel()
	tries = 0
	err = azureTenant.propagation.until(short, clock, time.Hour, func(context.Context) error { tries++; return azureErr("missing_role") })
	if !errors.As(err, &gaveUp) || gaveUp.tries != 2 || tries != 2 {
		t.Errorf("deadline: %v after %d tries", err, tries)
	}
}

func TestAddOperationError(t *testing.T) {
	var diags diag.Diagnostics
	addOperationError(&diags, action{"connect", "x"}, &propagationGaveUp{
		last: azureErr("missing_role"), tries: 4, waited: 95 * time.Second, reason: "missing_role", window: 2 * time.Minute,
	})
	if len(diags) != 1 {
		t.Fatalf("want one diagnostic: the cause, with the give-up note, got %v", diags)
	}
	if !strings.Contains(diags[0].Detail(), "still answered missing_role after 4 tries over 1m35s") || !strings.Contains(diags[0].Detail(), "azure_propagation_timeout") {
		t.Errorf("give-up note: %s", diags[0].Detail())
	}
	if !strings.Contains(diags[0].Detail(), "Reader (role definition acdd72a7-3385-48ef-bd42-f606fba81ae7)") ||
		!strings.Contains(diags[0].Detail(), "Request ID: req-1") {
		t.Errorf("cause: %s", diags[0].Detail())
	}

	diags = nil
	addAPIError(&diags, action{"connect", "x"}, &client.APIError{StatusCode: 400, Code: client.CodeValidationFailed, RequestID: "r2",
		Details: []client.ErrorDetail{{Field: "name", Reason: "blank", Message: "must not be blank"}, {Field: "page", Reason: "x"}}})
	if len(diags) != 2 {
		t.Fatalf("one diagnostic a detail, got %v", diags)
	}
	withPath, ok := diags[0].(diag.DiagnosticWithPath)
	if !ok || !withPath.Path().Equal(path.Root("name")) || !strings.Contains(diags[0].Detail(), "r2") {
		t.Errorf("validation detail on its attribute: %#v", diags[0])
	}
	if _, ok := diags[1].(diag.DiagnosticWithPath); ok {
		t.Error("an unknown field has no attribute")
	}
}
