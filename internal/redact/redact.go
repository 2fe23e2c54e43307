// Package redact takes secrets out of text as it leaves the provider: error texts,
// diagnostics and log records all go through Mask, and nothing else masks.
package redact

import "strings"

// Text stands for a secret.
const Text = "(redacted)"

// withheld stands for a whole text that still held a secret after masking: one that overlaps
// Text itself.
const withheld = Text + " (withheld: the text held a secret)"

// Words are the provider's own words that its advice names: its settings, their environment
// variables and its attribute names. A secret found strictly inside one of them, standing as a
// whole word, is part of the advice, not the secret, and is left: a client secret "secret"
// must not turn "client_secret" into "client_(redacted)". The provider's tests hold this list
// to its schemas.
var Words = []string{
	// settings of the provider and their environment variables
	"url", "SEGURA_URL", "client_id", "SEGURA_CLIENT_ID", "client_secret", "SEGURA_CLIENT_SECRET",
	"token_url", "SEGURA_TOKEN_URL", "request_timeout", "SEGURA_REQUEST_TIMEOUT",
	"max_retries", "SEGURA_MAX_RETRIES", "azure_preflight", "SEGURA_AZURE_PREFLIGHT",
	"aws_preflight", "SEGURA_AWS_PREFLIGHT", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_IAM",
	"azure_environment", "SEGURA_AZURE_ENVIRONMENT", "azure_authority_host", "AZURE_AUTHORITY_HOST",
	"azure_graph_endpoint", "SEGURA_AZURE_GRAPH_ENDPOINT", "azure_propagation_timeout",
	"SEGURA_AZURE_PROPAGATION_TIMEOUT", "propagation_timeout", "SEGURA_PROPAGATION_TIMEOUT", "SSL_CERT_FILE",
	// attributes of the resources, data sources, list resources and actions
	"id", "name", "tenant_id", "application_id", "secret_value", "secret_value_wo",
	"secret_value_wo_version", "integration_mode", "tags", "status", "connected_at",
	"synchronization", "state", "last_run_at", "next_run_at", "reason", "message", "timeouts",
	"create", "update", "delete", "read", "tenants", "tenant_ids", "exclude_tenant_ids",
	"synchronization_state", "graph_permissions", "graph_permission_ids", "graph_app_id", "azure_roles",
	"wait", "timeout", "account_id", "access_key_id", "secret_access_key", "secret_access_key_wo",
	"secret_access_key_wo_version", "accounts", "exclude_account_ids",
}

// Mask replaces every non-empty secret in s with Text, except where it stands strictly inside
// one of Words. Should a secret still appear elsewhere, the whole text is withheld, and given
// as empty if even that note holds a secret.
func Mask(s string, secrets ...string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = replace(s, secret)
		}
	}
	switch {
	case !holdsAny(s, secrets):
		return s
	case !holdsAny(withheld, secrets):
		return withheld
	}
	return ""
}

// replace replaces each occurrence of secret in s that is not strictly inside one of Words.
func replace(s, secret string) string {
	var b strings.Builder
	for i := 0; ; {
		j := strings.Index(s[i:], secret)
		if j < 0 {
			b.WriteString(s[i:])
			return b.String()
		}
		j += i
		if insideWord(s, j, j+len(secret)) {
			b.WriteString(s[i : j+1])
			i = j + 1
			continue
		}
		b.WriteString(s[i:j])
		b.WriteString(Text)
		i = j + len(secret)
	}
}

func holdsAny(s string, secrets []string) bool {
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		for i := 0; ; i++ {
			j := strings.Index(s[i:], secret)
			if j < 0 {
				break
			}
			if !insideWord(s, i+j, i+j+len(secret)) {
				return true
			}
			i += j
		}
	}
	return false
}

// insideWord reports whether s[start:end] lies within a whole word of s that is one of Words
// and longer than it.
func insideWord(s string, start, end int) bool {
	// The identifier around s[start:end]: letters, digits and underscores.
	from, to := start, end
	for from > 0 && identifierByte(s[from-1]) {
		from--
	}
	for to < len(s) && identifierByte(s[to]) {
		to++
	}
	word := s[from:to]
	if to-from <= end-start {
		return false
	}
	for _, w := range Words {
		if w == word {
			return true
		}
	}
	return false
}

func identifierByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
