package client

import (
	"strings"
	"testing"

	"github.com/segura/terraform-provider-segura/internal/redact"
)

func TestRedactBody_masksSensitiveFieldsAtAnyDepth(t *testing.T) {
	body := `{"name":"kept","secret_value":"s-top",
		"nested":{"client_secret":"s-object","items":[{"access_token":"s-array"},{"deeper":{"secret_value":"s-deep"}}]}}`
	got := redactBody([]byte(body))
	for _, secret := range []string{"s-top", "s-object", "s-array", "s-deep"} {
		if strings.Contains(got, secret) {
			t.Errorf("%s is not masked: %s", secret, got)
		}
	}
	if n := strings.Count(got, `"`+redact.Text+`"`); n != 4 {
		t.Errorf("%d fields masked, want 4: %s", n, got)
	}
	if !strings.Contains(got, `"name":"kept"`) {
		t.Errorf("a field that is not sensitive was changed: %s", got)
	}
	if got := redactBody([]byte("secret_value=plain")); got != "(not JSON, not logged)" {
		t.Errorf("a body that is not JSON is logged: %s", got)
	}
}
