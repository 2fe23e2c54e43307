// Package validators checks attribute values at plan time with the rules of the Cloud
// Entitlements contract, so that bad input is refused before any API call.
package validators

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// stringCheck adapts a function that explains what is wrong with a value, or returns "".
type stringCheck struct {
	description string
	check       func(string) string
}

func (v stringCheck) Description(context.Context) string         { return v.description }
func (v stringCheck) MarkdownDescription(context.Context) string { return v.description }

func (v stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if problem := v.check(req.ConfigValue.ValueString()); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+attributeName(req.Path), problem)
	}
}

// attributeName names the attribute at p for a title: a tag of a set is "tags", not
// tags[Value(" eu")]; the problem names the value.
func attributeName(p path.Path) string {
	var names []string
	for _, step := range p.Steps() {
		if name, ok := step.(path.PathStepAttributeName); ok {
			names = append(names, string(name))
		}
	}
	return strings.Join(names, ".")
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IsUUID reports whether s is a UUID in the canonical 8-4-4-4-12 form, in any letter case.
func IsUUID(s string) bool { return uuidRE.MatchString(s) }

// UUID accepts a UUID in the canonical 8-4-4-4-12 hexadecimal form, in any letter case.
func UUID() validator.String {
	return stringCheck{
		description: "must be a UUID in the 8-4-4-4-12 hexadecimal form",
		check: func(s string) string {
			if IsUUID(s) {
				return ""
			}
			hint := ""
			switch {
			case strings.HasPrefix(s, "{") || strings.HasPrefix(strings.ToLower(s), "urn:uuid:"):
				hint = " Remove the braces or the urn:uuid: prefix."
			case len(s) == 32:
				hint = " Add the hyphens: 8-4-4-4-12."
			}
			return fmt.Sprintf("%q is not a UUID. Use the 8-4-4-4-12 hexadecimal form shown in the Azure portal, "+
				"such as 5f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44.%s", s, hint)
		},
	}
}

func hasControl(s string) bool { return strings.IndexFunc(s, unicode.IsControl) >= 0 }

// Text accepts 1 to maxLen characters that are not all blank and hold no control character.
func Text(maxLen int) validator.String {
	return stringCheck{
		description: fmt.Sprintf("1 to %d characters, not blank, no control characters", maxLen),
		check: func(s string) string {
			n := utf8.RuneCountInString(s)
			switch {
			case n == 0 || strings.TrimSpace(s) == "":
				return "Must not be empty or blank."
			case n > maxLen:
				return fmt.Sprintf("Must be at most %d characters; it has %d.", maxLen, n)
			case hasControl(s):
				return "Must not contain control characters such as tabs or newlines."
			}
			return ""
		},
	}
}

// Tag accepts a tag: 1 to maxLen characters, no leading or trailing space, no control
// characters.
func Tag(maxLen int) validator.String {
	return stringCheck{
		description: fmt.Sprintf("1 to %d characters, no leading or trailing space, no control characters", maxLen),
		check: func(s string) string {
			n := utf8.RuneCountInString(s)
			switch {
			case n == 0:
				return "A tag must not be empty."
			case n > maxLen:
				return fmt.Sprintf("Tag %q is %d characters; at most %d are allowed.", s, n, maxLen)
			case strings.TrimSpace(s) != s:
				return fmt.Sprintf("Tag %q starts or ends with a space; remove it.", s)
			case hasControl(s):
				return fmt.Sprintf("Tag %q contains a control character.", s)
			}
			return ""
		},
	}
}

// Check accepts what check accepts; check explains what is wrong with a text that completes
// "<value> ...", such as client.CheckURL does. The same function then checks values that come
// from the environment, so a setting has one rule.
func Check(description string, check func(string) error) validator.String {
	return stringCheck{
		description: description,
		check: func(s string) string {
			if err := check(s); err != nil {
				return fmt.Sprintf("%q %v.", s, err)
			}
			return ""
		},
	}
}

var errInvalidDuration = errors.New("is not a valid duration here; use a number with a unit, such as 30s, 5m or 1h")

// ParseDuration reads a Go duration such as 30s or 5m: positive, or also zero when allowZero.
// It is the rule of Duration, for values that come from the environment.
func ParseDuration(s string, allowZero bool) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || (d == 0 && !allowZero) {
		return 0, errInvalidDuration
	}
	return d, nil
}

// Duration checks the range of a duration setting whose type, timetypes.GoDurationType,
// already checks its syntax: positive, or also zero when allowZero.
func Duration(allowZero bool) validator.String {
	what := "a positive duration"
	if allowZero {
		what = "a duration of zero or more"
	}
	return Check(what, func(s string) error {
		if d, err := time.ParseDuration(s); err == nil && (d > 0 || (d == 0 && allowZero)) {
			return nil
		} else if err == nil {
			return errInvalidDuration
		}
		return nil // a syntax error, which the type reports
	})
}

// OneOf accepts one of values, exactly. A value that is not one of them gets the list and,
// when one is close (another letter case, "-" for "_", a typo or two), "did you mean".
func OneOf(values ...string) validator.String {
	list := `"` + strings.Join(values, `", "`) + `"`
	return stringCheck{
		description: "must be one of " + list,
		check: func(s string) string {
			for _, v := range values {
				if s == v {
					return ""
				}
			}
			problem := fmt.Sprintf("%q is not one of %s.", s, list)
			if near := nearest(s, values); near != "" {
				problem += fmt.Sprintf(" Did you mean %q?", near)
			}
			return problem
		},
	}
}

// nearest is the value closest to s, if it is within two edits of s once s is in lowercase
// with "_" for "-" and " ".
func nearest(s string, values []string) string {
	folded := strings.NewReplacer("-", "_", " ", "_").Replace(strings.ToLower(strings.TrimSpace(s)))
	best, bestDistance := "", 3
	for _, v := range values {
		if d := editDistance(folded, v); d < bestDistance {
			best, bestDistance = v, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
