// Package uuidtype is a Terraform string type for UUIDs that compares them without regard to
// letter case, so that an ID the API returns in lowercase never shows as drift against the
// case a user wrote.
package uuidtype

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

var (
	_ basetypes.StringTypable                    = Type{}
	_ basetypes.StringValuableWithSemanticEquals = Value{}
)

// Type is the attribute type; use it as CustomType.
type Type struct {
	basetypes.StringType
}

func (t Type) String() string { return "uuidtype.Type" }

func (t Type) Equal(o attr.Type) bool {
	other, ok := o.(Type)
	return ok && t.StringType.Equal(other.StringType)
}

func (t Type) ValueType(context.Context) attr.Value { return Value{} }

func (t Type) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return Value{StringValue: in}, nil
}

func (t Type) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	v, err := t.StringType.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	s, ok := v.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T", v)
	}
	return Value{StringValue: s}, nil
}

// Value is a UUID, or null, or unknown.
type Value struct {
	basetypes.StringValue
}

// NewValue returns a known UUID value.
func NewValue(s string) Value { return Value{StringValue: basetypes.NewStringValue(s)} }

// NewNull returns a null value.
func NewNull() Value { return Value{StringValue: basetypes.NewStringNull()} }

// NewUnknown returns an unknown value.
func NewUnknown() Value { return Value{StringValue: basetypes.NewStringUnknown()} }

func (v Value) Type(context.Context) attr.Type { return Type{} }

func (v Value) Equal(o attr.Value) bool {
	other, ok := o.(Value)
	return ok && v.StringValue.Equal(other.StringValue)
}

// StringSemanticEquals reports whether two UUIDs differ only in letter case; the framework
// then keeps the value the user wrote.
func (v Value) StringSemanticEquals(_ context.Context, newValuable basetypes.StringValuable) (bool, diag.Diagnostics) {
	var diags diag.Diagnostics
	other, ok := newValuable.(Value)
	if !ok {
		diags.AddError("Semantic equality check error", fmt.Sprintf("expected a uuidtype.Value, got %T", newValuable))
		return false, diags
	}
	return strings.EqualFold(v.ValueString(), other.ValueString()), diags
}

// EqualFold reports whether both values are known and differ at most in letter case.
func (v Value) EqualFold(o Value) bool {
	return !v.IsNull() && !v.IsUnknown() && !o.IsNull() && !o.IsUnknown() && strings.EqualFold(v.ValueString(), o.ValueString())
}
