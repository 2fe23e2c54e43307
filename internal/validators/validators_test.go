package validators

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func check(v validator.String, value string) string {
	resp := &validator.StringResponse{}
	v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("attr"), ConfigValue: types.StringValue(value)}, resp)
	if !resp.Diagnostics.HasError() {
		return ""
	}
	d := resp.Diagnostics.Errors()[0]
	return d.Summary() + ": " + d.Detail()
}

func isEven(s string) error {
	if n, err := strconv.Atoi(s); err != nil || n%2 != 0 {
		return errors.New("is odd")
	}
	return nil
}

func TestValidators(t *testing.T) {
	cases := []struct {
		name      string
		v         validator.String
		value     string
		wantError string // "" means valid
	}{
		{"uuid lower", UUID(), "5f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44", ""},
		{"uuid upper", UUID(), "5F0D1A8E-3C2B-4B7E-9F55-2A6C1E0B9D44", ""},
		{"uuid braces", UUID(), "{5f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44}", "Remove the braces"},
		{"uuid urn", UUID(), "urn:uuid:5f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44", "urn:uuid: prefix"},
		{"uuid no hyphens", UUID(), "5f0d1a8e3c2b4b7e9f552a6c1e0b9d44", "Add the hyphens"},
		{"uuid non-hex", UUID(), "5g0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44", "not a UUID"},
		{"text ok", Text(5), "héllo", ""},
		{"text long", Text(5), "hélloo", "at most 5 characters; it has 6"},
		{"text blank", Text(5), "  ", "blank"},
		{"text control", Text(5), "a\u0007b", "control"},
		{"tag space", Tag(64), "prod ", "starts or ends with a space"},
		{"tag ok", Tag(64), "cost-centre:42", ""},
		{"check ok", Check("even", isEven), "42", ""},
		{"check refused", Check("even", isEven), "41", `"41" is odd.`},
		{"duration ok", Duration(false), "90s", ""},
		{"duration zero refused", Duration(false), "0s", "not a valid duration"},
		{"duration zero allowed", Duration(true), "0s", ""},
		{"duration negative", Duration(true), "-1m", "not a valid duration"},
		{"duration syntax left to the type", Duration(true), "ten minutes", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := check(tc.v, tc.value)
			if tc.wantError == "" && got != "" {
				t.Errorf("want valid, got %q", got)
			}
			if tc.wantError != "" && !strings.Contains(got, tc.wantError) {
				t.Errorf("want an error containing %q, got %q", tc.wantError, got)
			}
			if tc.wantError != "" && !strings.HasPrefix(got, "Invalid attr") {
				t.Errorf("the error does not name the attribute: %q", got)
			}
		})
	}
}

// TestTitles_nameTheAttribute: an element of a set is titled by its attribute's name.
func TestTitles_nameTheAttribute(t *testing.T) {
	var resp validator.StringResponse
	Tag(64).ValidateString(context.Background(), validator.StringRequest{
		Path:        path.Root("tags").AtSetValue(types.StringValue(" eu")),
		ConfigValue: types.StringValue(" eu")}, &resp)
	if !resp.Diagnostics.HasError() || resp.Diagnostics[0].Summary() != "Invalid tags" {
		t.Errorf("want the title %q, got %v", "Invalid tags", resp.Diagnostics)
	}
}

// The secret's length validator is stringvalidator's: its message must not echo the value.
func TestSecretLength_neverEchoesTheValue(t *testing.T) {
	secret := strings.Repeat("s3cr3t", 200)
	if got := check(stringvalidator.LengthBetween(1, 1024), secret); strings.Contains(got, "s3cr3t") || got == "" {
		t.Errorf("got %q", got)
	}
}

func TestOneOf_didYouMean(t *testing.T) {
	v := OneOf("read", "read_write")
	for value, want := range map[string]string{
		"read":       "",
		"read_write": "",
		"read-write": `"read-write" is not one of "read", "read_write". Did you mean "read_write"?`,
		"readwrite":  `Did you mean "read_write"?`,
		"Read":       `Did you mean "read"?`,
		"write":      `"write" is not one of "read", "read_write".`,
		"admin":      `"admin" is not one of "read", "read_write".`,
	} {
		var resp validator.StringResponse
		v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("integration_mode"),
			ConfigValue: types.StringValue(value)}, &resp)
		got := ""
		if resp.Diagnostics.HasError() {
			got = resp.Diagnostics[0].Detail()
		}
		if (want == "") != (got == "") || !strings.Contains(got, want) || (value == "admin" && strings.Contains(got, "Did you mean")) {
			t.Errorf("%q: got %q, want %q", value, got, want)
		}
	}
}
