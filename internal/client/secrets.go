package client

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/segura/terraform-provider-segura/internal/redact"
)

// Logger receives the client's debug records. The provider backs it with tflog. The client
// never hands it a secret, a token or an Authorization header: bodies have their sensitive
// fields replaced, every field is masked, and headers are never logged.
type Logger interface {
	Debug(ctx context.Context, msg string, fields map[string]any)
}

type nopLogger struct{}

func (nopLogger) Debug(context.Context, string, map[string]any) {}

// sensitiveFields are the JSON fields whose values are secrets, at any depth of a body: every
// kind's secret fields, and the token request's.
var sensitiveFields = slices.Concat([]string{"client_secret", "access_token"}, AzureTenants.Secrets, AWSAccounts.Secrets)

// secretsOf are the secrets a call sends: the client secret and the sensitive fields of body.
func (c *Client) secretsOf(body []byte) []string {
	secrets := []string{c.cfg.ClientSecret}
	var v any
	if json.Unmarshal(body, &v) == nil {
		walkSensitive(v, func(s string) string { secrets = append(secrets, s); return s })
	}
	return secrets
}

// redactBody returns a JSON body for logging with the value of every sensitive field
// replaced. A body that is not JSON is not logged at all, since it cannot be inspected.
func redactBody(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return "(not JSON, not logged)"
	}
	walkSensitive(v, func(string) string { return redact.Text })
	out, _ := json.Marshal(v)
	return string(out)
}

// walkSensitive replaces the string value of every sensitive field in a decoded JSON value by
// what f returns for it.
func walkSensitive(v any, f func(string) string) {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if s, ok := val.(string); ok && slices.Contains(sensitiveFields, k) {
				t[k] = f(s)
			} else {
				walkSensitive(val, f)
			}
		}
	case []any:
		for _, val := range t {
			walkSensitive(val, f)
		}
	}
}

// maskFields masks the secrets in every string field of a log record.
func maskFields(secrets []string, fields map[string]any) map[string]any {
	for k, v := range fields {
		if s, ok := v.(string); ok {
			fields[k] = redact.Mask(s, secrets...)
		}
	}
	return fields
}
