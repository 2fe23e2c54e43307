package uuidtype

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

func TestValue_semanticEqualityIgnoresCase(t *testing.T) {
	ctx := context.Background()
	upper := NewValue("5F0D1A8E-3C2B-4B7E-9F55-2A6C1E0B9D44")
	for _, tc := range []struct {
		other Value
		want  bool
	}{
		{NewValue("5f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44"), true},
		{NewValue("5F0D1A8E-3C2B-4B7E-9F55-2A6C1E0B9D44"), true},
		{NewValue("6f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44"), false},
	} {
		got, diags := upper.StringSemanticEquals(ctx, tc.other)
		if diags.HasError() || got != tc.want {
			t.Errorf("%s ~ %s: %v, want %v", upper, tc.other, got, tc.want)
		}
	}
	if upper.Equal(NewValue("5f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44")) {
		t.Error("Equal must stay exact; only semantic equality ignores case")
	}
	if NewNull().EqualFold(NewNull()) || !upper.EqualFold(NewValue("5f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44")) {
		t.Error("EqualFold")
	}
}

func TestType_roundTrip(t *testing.T) {
	ctx := context.Background()
	v, err := Type{}.ValueFromTerraform(ctx, tftypes.NewValue(tftypes.String, "abc"))
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := v.(Value); !ok || got.ValueString() != "abc" {
		t.Errorf("got %#v", v)
	}
	if !(Type{}).Equal(v.Type(ctx)) {
		t.Error("type of value")
	}
}
