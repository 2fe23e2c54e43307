package client

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// FuzzDecodeAPIError: whatever an error answer holds, decoding it does not panic, and once
// masked, its text shows none of the secrets of the request, even when the answer echoes
// them.
func FuzzDecodeAPIError(f *testing.F) {
	f.Add(400, []byte(`{"error":{"code":"validation_failed","message":"s3cr3t","details":[{"field":"s3cr3t"}]}}`), "s3cr3t")
	f.Add(500, []byte("plain s3cr3t text"), "s3cr3t")
	f.Add(307, []byte(""), "x")
	f.Add(422, []byte(`{"error":{"code":"azure_connection_failed","details":[{"reason":"missing_role","missing":["ab"]}]}}`), "ab")
	f.Fuzz(func(t *testing.T, status int, body []byte, secret string) {
		if status < 300 || status > 599 || secret == "" {
			return
		}
		cl := call{method: http.MethodPost, path: AzureTenants.Path}
		// A secret found in the error's own wording (its method, path, status code and
		// punctuation) cannot be masked there, and is no echo; real secrets are longer.
		skeleton := (&APIError{Method: cl.method, Path: cl.path, StatusCode: status, Code: "-", Message: http.StatusText(status),
			RequestID: "-", Details: []ErrorDetail{{Field: "-", Reason: "-", Message: "-", Missing: []string{"-"}}}}).Error() +
			redirectMessage(status, http.Header{})
		if strings.Contains(skeleton, secret) {
			return
		}
		ans := &answer{status: status, header: http.Header{"Location": {"https://elsewhere.example/" + secret}}, body: body}
		err := decodeAPIError(cl, ans, 1, []string{secret})
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the masked error shows the secret %q: %s", secret, err)
		}
	})
}

// FuzzTenantProblem: an answer that passes the checks has what the provider relies on.
func FuzzTenantProblem(f *testing.F) {
	f.Add([]byte(`{"tenant_id":"5f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44","name":"n","application_id":"0b7c9e2d-8a41-4f63-b5d0-7e3f1c2a9b88",`+
		`"integration_mode":"read","tags":[],"status":"active","connected_at":"2026-11-26T10:00:00Z","synchronization":{"state":"pending"}}`),
		"5F0D1A8E-3C2B-4B7E-9F55-2A6C1E0B9D44")
	f.Add([]byte(`{"tenant_id":"x"}`), "")
	f.Add([]byte(`{}`), "")
	f.Fuzz(func(t *testing.T, body []byte, want string) {
		var tenant AzureTenant
		if json.Unmarshal(body, &tenant) != nil || problemOf[AzureTenant](&tenant, "tenant", want) != "" {
			return
		}
		if !uuidRE.MatchString(tenant.TenantID) || !uuidRE.MatchString(tenant.ApplicationID) ||
			(want != "" && !strings.EqualFold(tenant.TenantID, want)) || tenant.ConnectedAt.IsZero() ||
			strings.TrimSpace(tenant.Name) == "" {
			t.Errorf("accepted %s", body)
		}
	})
}
