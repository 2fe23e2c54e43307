package provider

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/jonboulle/clockwork"

	"github.com/segura/terraform-provider-segura/internal/azure"
	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/uuidtype"
)

// TestAddOperationError_oneDiagnosticPerCause: a cause that propagation retries gave up on is
// one diagnostic, on its attribute, that says how long was waited.
func TestAddOperationError_oneDiagnosticPerCause(t *testing.T) {
	var diags diag.Diagnostics
	gaveUp := &propagationGaveUp{last: azureErr(client.ReasonInvalidClientSecret), tries: 15, reason: client.ReasonInvalidClientSecret,
		window: DefaultPropagationTimeout}
	addOperationError(&diags, action{"connect", "t"}, gaveUp)
	if len(diags) != 1 {
		t.Fatalf("%d diagnostics for one cause, want 1: %v", len(diags), diags)
	}
	d := diags[0]
	withPath, ok := d.(diag.DiagnosticWithPath)
	if !ok || !withPath.Path().Equal(path.Root("secret_value")) || d.Summary() != "Azure refused the client secret" ||
		!strings.Contains(d.Detail(), "after 15 tries") || !strings.Contains(d.Detail(), "azure_propagation_timeout") {
		t.Errorf("got %q on %v: %s", d.Summary(), withPath, d.Detail())
	}
}

// TestAddAPIError_retriesAdviceOnlyWhereRetried: the max_retries advice is given for the
// statuses that are retried, never for one that is not (501).
func TestAddAPIError_retriesAdviceOnlyWhereRetried(t *testing.T) {
	for status, want := range map[int]bool{501: false, 503: true, 429: true, 500: true, 505: false} {
		var diags diag.Diagnostics
		addAPIError(&diags, action{"read", "t"}, &client.APIError{StatusCode: status, Code: "x", Attempts: 3})
		if got := strings.Contains(diags[0].Detail(), "max_retries"); got != want || len(diags) != 1 {
			t.Errorf("%d: advice %v, want %v: %s", status, got, want, diags[0].Detail())
		}
	}
}

// TestAddAPIError_decidesOnWhatTheServerSent: a secret that occurs inside a reason (a short
// one can) is masked in the text shown, not in the reason the advice is chosen by.
func TestAddAPIError_decidesOnWhatTheServerSent(t *testing.T) {
	secret := "ng_ro" // inside missing_role
	var diags diag.Diagnostics
	addAPIError(&diags, action{"connect", "t"}, &client.APIError{StatusCode: 422, Code: client.CodeAzureConnectionFailed,
		Details: []client.ErrorDetail{{Reason: client.ReasonMissingRole, Missing: []string{"Reader"}}}})
	maskDiagnostics(&diags, secret)
	if len(diags) != 1 || diags[0].Summary() != "Azure roles missing" || !strings.Contains(diags[0].Detail(), "azurerm_role_assignment") {
		t.Fatalf("the missing-role advice is lost: %v", diags)
	}
	if strings.Contains(diags[0].Summary()+diags[0].Detail(), secret) {
		t.Errorf("the secret shows: %s", diags[0].Detail())
	}
}

// TestAddAPIError_tokenRefusalsAreNoVerdicts: a token endpoint that refuses the sign-in with
// a code the API also uses says so, and says nothing of a tenant.
func TestAddAPIError_tokenRefusalsAreNoVerdicts(t *testing.T) {
	for _, code := range []string{client.CodeValidationFailed, client.CodeSecretInUse, client.CodeTenantAlreadyConnected,
		client.CodeAzureConnectionFailed} {
		var diags diag.Diagnostics
		addAPIError(&diags, action{"connect", "t"}, &client.TokenError{URL: "https://segura.test/oauth2/token", ClientID: "ci",
			StatusCode: 400, Code: code, Description: "no"})
		if len(diags) != 1 || diags[0].Summary() != "Segura refused the credentials" ||
			!strings.Contains(diags[0].Detail(), "https://segura.test/oauth2/token") || !strings.Contains(diags[0].Detail(), "client_secret") {
			t.Errorf("%s: %v", code, diags)
		}
	}
}

// TestMessages_sayWhatIsWhose: the Graph permissions message says which application the GUID
// is, and the pre-flight's warning gives the first line of an SDK error, not its dump.
func TestMessages_sayWhatIsWhose(t *testing.T) {
	_, _, detail := explainAzureFailure(client.ErrorDetail{Reason: client.ReasonMissingPermissions, Missing: []string{"User.Read.All"}})
	if !strings.Contains(detail, "Microsoft Graph (the API whose application ID is 00000003-0000-0000-c000-000000000000, not your app") {
		t.Errorf("the Graph application is not named as such: %s", detail)
	}
	dump := errors.New("ClientSecretCredential: unable to resolve an endpoint: dial tcp: lookup login.example\n--------\nRESPONSE 0\n" +
		strings.Repeat("x", 500))
	if got := briefError(dump); got != "ClientSecretCredential: unable to resolve an endpoint: dial tcp: lookup login.example" {
		t.Errorf("briefError: %q", got)
	}
	if got := briefError(errors.New(strings.Repeat("y", 400))); len(got) != 303 {
		t.Errorf("a long line is not cut: %d characters", len(got))
	}
}

// TestTokenThrottling_isNoRefusal: a token endpoint that answers 429 is throttling, not
// refusing the credentials: the plan's check goes on with a warning, and the error says to try
// again later.
func TestTokenThrottling_isNoRefusal(t *testing.T) {
	throttled := &client.TokenError{URL: "https://segura.test/oauth2/token", StatusCode: 429, Code: "rate_limited", Attempts: 3}
	if !unreachable(throttled) {
		t.Error("a throttled token request fails the plan as refused credentials")
	}
	var diags diag.Diagnostics
	addAPIError(&diags, action{"connect", "t"}, throttled)
	if len(diags) != 1 || diags[0].Summary() != "Segura token endpoint failed" {
		t.Errorf("got %v", diags)
	}
}

// TestVerified_noPreflightWithoutASecret: an update that sends no secret (an imported
// connection whose mode changes) signs in to nothing, so it warns of no skipped pre-flight;
// with a secret, an unreachable Entra ID is warned of.
func TestVerified_noPreflightWithoutASecret(t *testing.T) {
	r := &connectionResource{kind: &azureTenant, data: &providerData{clock: clockwork.NewFakeClock(),
		preflight: &azure.Preflight{AuthorityHost: "https://127.0.0.1:1/", GraphEndpoint: "https://127.0.0.1:1"}}}
	for secret, warns := range map[string]bool{"": false, "a-secret": true} {
		var diags diag.Diagnostics
		plan := values{"tenant_id": uuidtype.NewValue("11111111-1111-4111-8111-111111111111"),
			"application_id": uuidtype.NewValue("aaaaaaaa-0000-4000-8000-000000000001"), "integration_mode": types.StringValue("read")}
		err := r.verified(context.Background(), &diags, plan, secret, func(context.Context) error { return nil })
		if err != nil || (diags.WarningsCount() == 1) != warns {
			t.Errorf("secret %q: %v, %v; want a warning: %v", secret, err, diags, warns)
		}
	}
}
