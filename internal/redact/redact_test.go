package redact

import (
	"testing"
	"unicode"
)

// FuzzMask: a masked text never holds a secret, whatever the secrets and the text, except
// strictly inside a whole word of Words.
func FuzzMask(f *testing.F) {
	f.Add("the secret is abc", "abc", "")
	f.Add("(redacted)x", ")x", "d)")
	f.Add("aaaa", "aa", "a")
	f.Add("check client_secret and SEGURA_CLIENT_SECRET", "secret", "SECRET")
	f.Add("client_secrets client_secret", "secret", "_")
	f.Fuzz(func(t *testing.T, text, s1, s2 string) {
		got := Mask(text, s1, s2)
		for _, s := range []string{s1, s2} {
			for k := 0; s != "" && k+len(s) <= len(got); k++ {
				if got[k:k+len(s)] == s && !inOwnWord(got, k, len(s)) {
					t.Fatalf("Mask(%q, %q, %q) = %q still holds %q at %d", text, s1, s2, got, s, k)
				}
			}
		}
	})
}

// inOwnWord is the oracle: some word of Words, longer than n and standing whole in s (no
// letter, digit or underscore on either side), covers s[k:k+n].
func inOwnWord(s string, k, n int) bool {
	isIdent := func(r rune) bool {
		return r < unicode.MaxASCII && (r == '_' || unicode.IsDigit(r) || unicode.IsLetter(r))
	}
	for _, w := range Words {
		for p := max(0, k+n-len(w)); p <= k && p+len(w) <= len(s); p++ {
			if len(w) > n && s[p:p+len(w)] == w &&
				(p == 0 || !isIdent(rune(s[p-1]))) && (p+len(w) == len(s) || !isIdent(rune(s[p+len(w)]))) {
				return true
			}
		}
	}
	return false
}

// TestMask_keepsTheProvidersWords: advice that names a setting stays readable when a secret
// is a common word, and the secret itself is masked everywhere else.
func TestMask_keepsTheProvidersWords(t *testing.T) {
	for _, tc := range []struct{ text, secret, want string }{
		{"Check the provider's client_id and client_secret (SEGURA_CLIENT_SECRET); the server said: secret",
			"secret", "Check the provider's client_id and client_secret (SEGURA_CLIENT_SECRET); the server said: (redacted)"},
		{"SEGURA_CLIENT_SECRET=SECRET", "SECRET", "SEGURA_CLIENT_SECRET=(redacted)"},
		{"secret_value_wo and secret_values", "secret_value", "secret_value_wo and (redacted)s"},
		{"client_secret", "client_secret", "(redacted)"}, // a secret that is a whole word is masked
		{"token_url is ur", "ur", "token_url is (redacted)"},
		{"tenant-id tenant_id", "tenant", "(redacted)-id tenant_id"},
	} {
		if got := Mask(tc.text, tc.secret); got != tc.want {
			t.Errorf("Mask(%q, %q) = %q, want %q", tc.text, tc.secret, got, tc.want)
		}
	}
}
