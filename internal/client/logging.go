package client

import (
	"context"
	"encoding/json"
	"net/http"
)

// Logger receives the client's debug records. The provider backs it with tflog. The client
// never hands it a secret, a token or an Authorization header: bodies pass through
// redactBody first, and headers are never logged.
type Logger interface {
	Debug(ctx context.Context, msg string, fields map[string]any)
}

type nopLogger struct{}

func (nopLogger) Debug(context.Context, string, map[string]any) {}

const redacted = "(redacted)"

// sensitiveFields are the JSON fields that are masked in logged bodies.
var sensitiveFields = []string{FieldSecretValue, "client_secret", "access_token"}

// redactBody returns a JSON body for logging with every sensitive field masked, at any depth.
// A body that is not JSON is not logged at all, since it cannot be inspected.
func redactBody(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return "(not JSON, not logged)"
	}
	out, _ := json.Marshal(redactValue(v))
	return string(out)
}

func redactValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if isSensitive(k) {
				t[k] = redacted
			} else {
				t[k] = redactValue(val)
			}
		}
	case []any:
		for i := range t {
			t[i] = redactValue(t[i])
		}
	}
	return v
}

func isSensitive(field string) bool {
	for _, f := range sensitiveFields {
		if f == field {
			return true
		}
	}
	return false
}

func requestID(resp *http.Response) string {
	if resp == nil {
		return ""
	}
	return resp.Header.Get(headerRequestID)
}
