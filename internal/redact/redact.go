// Package redact takes secrets out of text as it leaves the provider: error texts,
// diagnostics and log records all go through Mask, and nothing else masks.
package redact

import "strings"

// Text stands for a secret.
const Text = "(redacted)"

// withheld stands for a whole text that still held a secret after masking: one that overlaps
// Text itself.
const withheld = Text + " (withheld: the text held a secret)"

// Mask replaces every non-empty secret in s with Text. Should a secret still appear, the
// whole text is withheld, and given as empty if even that note holds a secret.
func Mask(s string, secrets ...string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, Text)
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

func holdsAny(s string, secrets []string) bool {
	for _, secret := range secrets {
		if secret != "" && strings.Contains(s, secret) {
			return true
		}
	}
	return false
}
