package provider

import (
	"context"
	"regexp"
	"slices"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/segura/terraform-provider-segura/internal/redact"
)

// TestMaskingWords_holdEverySchemaWord: every attribute name of the provider's schemas and
// every environment variable their descriptions name is one of redact.Words, so that masking
// a secret that is a common word never garbles the advice that names them.
func TestMaskingWords_holdEverySchemaWord(t *testing.T) {
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	envVar := regexp.MustCompile(`\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b`)
	missing := map[string]bool{}
	need := func(word string) {
		if !slices.Contains(redact.Words, word) {
			missing[word] = true
		}
	}
	var walkAttrs func(attrs []*tfprotov6.SchemaAttribute)
	walkAttrs = func(attrs []*tfprotov6.SchemaAttribute) {
		for _, a := range attrs {
			need(a.Name)
			for _, v := range envVar.FindAllString(a.Description, -1) {
				need(v)
			}
			if a.NestedType != nil {
				walkAttrs(a.NestedType.Attributes)
			}
		}
	}
	var walk func(b *tfprotov6.SchemaBlock)
	walk = func(b *tfprotov6.SchemaBlock) {
		walkAttrs(b.Attributes)
		for _, nb := range b.BlockTypes {
			need(nb.TypeName)
			walk(nb.Block)
		}
	}
	schemas := []*tfprotov6.Schema{resp.Provider}
	for _, m := range []map[string]*tfprotov6.Schema{resp.ResourceSchemas, resp.DataSourceSchemas, resp.ListResourceSchemas} {
		for _, s := range m {
			schemas = append(schemas, s)
		}
	}
	for _, a := range resp.ActionSchemas {
		schemas = append(schemas, a.Schema)
	}
	for _, s := range schemas {
		walk(s.Block)
	}
	if len(schemas) < 7 {
		t.Fatalf("%d schemas: the walk missed some", len(schemas))
	}
	for word := range missing {
		t.Errorf("redact.Words lacks %q, a word of the provider's schemas", word)
	}
}
