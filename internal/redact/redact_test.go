package redact

import (
	"strings"
	"testing"
)

// FuzzMask: a masked text never holds a secret, whatever the secrets and the text.
func FuzzMask(f *testing.F) {
	f.Add("the secret is abc", "abc", "")
	f.Add("(redacted)x", ")x", "d)")
	f.Add("aaaa", "aa", "a")
	f.Fuzz(func(t *testing.T, text, s1, s2 string) {
		got := Mask(text, s1, s2)
		for _, s := range []string{s1, s2} {
			if s != "" && strings.Contains(got, s) {
				t.Errorf("Mask(%q, %q, %q) = %q still holds %q", text, s1, s2, got, s)
			}
		}
	})
}
