package emulator

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/segura/terraform-provider-segura/internal/azure"
)

// The field rules of the contract.
const (
	nameMax   = 128
	secretMax = 1024
	// tagsMax is Segura's limit: "up to 10 tags" (its Home page).
	tagsMax = 10
	tagMax  = 64
)

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func hasControl(s string) bool { return strings.IndexFunc(s, unicode.IsControl) >= 0 }

func checkUUID(field, v string) []detail {
	if !uuidRE.MatchString(v) {
		return []detail{{Field: field, Reason: "invalid_uuid", Message: "must be a UUID in the 8-4-4-4-12 hexadecimal form"}}
	}
	return nil
}

func checkName(v string) []detail {
	n := utf8.RuneCountInString(v)
	switch {
	case n == 0:
		return []detail{{Field: "name", Reason: "too_short", Message: "must not be empty"}}
	case n > nameMax:
		return []detail{{Field: "name", Reason: "too_long", Message: "must be at most 128 characters"}}
	case strings.TrimSpace(v) == "":
		return []detail{{Field: "name", Reason: "blank", Message: "must not be blank"}}
	case hasControl(v):
		return []detail{{Field: "name", Reason: "control_character", Message: "must not contain control characters"}}
	}
	return nil
}

func checkSecret(v string) []detail {
	n := utf8.RuneCountInString(v)
	switch {
	case n == 0:
		return []detail{{Field: "secret_value", Reason: "too_short", Message: "must not be empty"}}
	case n > secretMax:
		return []detail{{Field: "secret_value", Reason: "too_long", Message: "must be at most 1024 characters"}}
	}
	return nil
}

func checkMode(v string) []detail {
	if !azure.ValidMode(v) {
		return []detail{{Field: "integration_mode", Reason: "invalid_value", Message: "must be read or read_write"}}
	}
	return nil
}

func checkStatus(v string) []detail {
	if v != statusActive && v != statusInactive {
		return []detail{{Field: "status", Reason: "invalid_value", Message: "must be active or inactive"}}
	}
	return nil
}

func checkTags(tags []string) []detail {
	if len(tags) > tagsMax {
		return []detail{{Field: "tags", Reason: "too_many", Message: "at most " + strconv.Itoa(tagsMax) + " tags"}}
	}
	var out []detail
	for i, t := range tags {
		n := utf8.RuneCountInString(t)
		var d *detail
		switch {
		case n == 0:
			d = &detail{Reason: "too_short", Message: "a tag must not be empty"}
		case n > tagMax:
			d = &detail{Reason: "too_long", Message: "a tag must be at most 64 characters"}
		case strings.TrimSpace(t) != t:
			d = &detail{Reason: "leading_or_trailing_space", Message: "a tag must not start or end with a space"}
		case hasControl(t):
			d = &detail{Reason: "control_character", Message: "a tag must not contain control characters"}
		case slices.Contains(tags[:i], t):
			d = &detail{Reason: "duplicate", Message: "tag " + t + " appears twice"}
		}
		if d != nil {
			d.Field = "tags"
			out = append(out, *d)
		}
	}
	return out
}

func required(field string) detail {
	return detail{Field: field, Reason: "required", Message: "is required"}
}
