package provider

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	fwaction "github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/segura/terraform-provider-segura/internal/azure"
	"github.com/segura/terraform-provider-segura/internal/client"
)

// schemaArgs lists the arguments a configuration may set on a segura type, and those it must.
type schemaArgs struct {
	allowed, required, all []string
	blocks                 []string
}

// argsOf sorts a schema's attributes into what a configuration may and must set.
func argsOf[A interface {
	IsRequired() bool
	IsOptional() bool
}](attrs map[string]A) schemaArgs {
	var a schemaArgs
	for name, attr := range attrs {
		a.all = append(a.all, name)
		if attr.IsRequired() || attr.IsOptional() {
			a.allowed = append(a.allowed, name)
		}
		if attr.IsRequired() {
			a.required = append(a.required, name)
		}
	}
	return a
}

func seguraSchemas(t *testing.T) map[string]schemaArgs {
	t.Helper()
	ctx := context.Background()
	p := New("test")()
	out := map[string]schemaArgs{}
	for _, f := range p.Resources(ctx) {
		r := f()
		var meta resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "segura"}, &meta)
		var s resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &s)
		a := argsOf(s.Schema.Attributes)
		for name := range s.Schema.Blocks {
			a.blocks = append(a.blocks, name)
		}
		out["resource."+meta.TypeName] = a
	}
	for _, f := range p.DataSources(ctx) {
		d := f()
		var meta datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "segura"}, &meta)
		var s datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &s)
		out["data."+meta.TypeName] = argsOf(s.Schema.Attributes)
	}
	for _, f := range p.(provider.ProviderWithListResources).ListResources(ctx) {
		l := f()
		var meta resource.MetadataResponse
		l.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "segura"}, &meta)
		var s list.ListResourceSchemaResponse
		l.ListResourceConfigSchema(ctx, list.ListResourceSchemaRequest{}, &s)
		out["list."+meta.TypeName] = argsOf(s.Schema.Attributes)
	}
	for _, f := range p.(provider.ProviderWithActions).Actions(ctx) {
		a := f()
		var meta fwaction.MetadataResponse
		a.Metadata(ctx, fwaction.MetadataRequest{ProviderTypeName: "segura"}, &meta)
		var s fwaction.SchemaResponse
		a.Schema(ctx, fwaction.SchemaRequest{}, &s)
		out["action."+meta.TypeName] = argsOf(s.Schema.Attributes)
	}
	return out
}

// TestExamples_seguraBlocksMatchTheSchema checks every segura_* block of examples/: each
// argument exists, each required argument is set, and every reference to a segura_* attribute
// names one that exists. The azuread and azurerm parts cannot be checked offline.
func TestExamples_seguraBlocksMatchTheSchema(t *testing.T) {
	schemas := seguraSchemas(t)
	files, _ := filepath.Glob("../../examples/*/*.tf")
	more, _ := filepath.Glob("../../examples/*/*/*.tf")
	queries, _ := filepath.Glob("../../examples/*/*/*.tfquery.hcl")
	files = append(append(files, more...), queries...)
	if len(queries) == 0 {
		t.Error("found no .tfquery.hcl example")
	}
	if len(files) < 5 {
		t.Fatalf("found only %d example files", len(files))
	}
	meta := []string{"count", "for_each", "depends_on", "provider", "lifecycle"}
	checked := 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		parsed, diags := hclsyntax.ParseConfig(src, file, hcl.InitialPos)
		if diags.HasErrors() {
			t.Errorf("%s: %s", file, diags.Error())
			continue
		}
		body := parsed.Body.(*hclsyntax.Body)
		for _, block := range withNested(body.Blocks) {
			if (block.Type == "list" || block.Type == "action") && strings.HasPrefix(block.Labels[0], "segura_") {
				checked++
				checkConfigBlock(t, file, block, schemas)
				continue
			}
			if (block.Type != "resource" && block.Type != "data") || !strings.HasPrefix(block.Labels[0], "segura_") {
				continue
			}
			key := block.Type + "." + block.Labels[0]
			s, ok := schemas[key]
			if !ok {
				t.Errorf("%s: %s is not a type of the provider", file, key)
				continue
			}
			checked++
			for name := range block.Body.Attributes {
				if !slices.Contains(s.allowed, name) && !slices.Contains(meta, name) {
					t.Errorf("%s: %s.%s sets %q, which is not an argument", file, key, block.Labels[1], name)
				}
			}
			for _, name := range s.required {
				if _, ok := block.Body.Attributes[name]; !ok {
					t.Errorf("%s: %s.%s lacks the required %q", file, key, block.Labels[1], name)
				}
			}
			for _, b := range block.Body.Blocks {
				if !slices.Contains(s.blocks, b.Type) && !slices.Contains(meta, b.Type) {
					t.Errorf("%s: %s.%s has a %q block, which the schema lacks", file, key, block.Labels[1], b.Type)
				}
			}
		}
		// References such as data.segura_azure_required_permissions.this.graph_permission_ids.
		for _, ref := range referencesTo(body) {
			if !slices.Contains(schemas[ref.kind].all, ref.attr) {
				t.Errorf("%s: reference to %s.%s, which does not exist", file, ref.kind, ref.attr)
			}
		}
	}
	if checked < 5 {
		t.Errorf("checked only %d segura blocks", checked)
	}
}

// withNested is blocks with the data blocks nested in check blocks.
func withNested(blocks hclsyntax.Blocks) hclsyntax.Blocks {
	out := slices.Clone(blocks)
	for _, b := range blocks {
		if b.Type == "check" {
			out = append(out, b.Body.Blocks...)
		}
	}
	return out
}

// checkConfigBlock checks a list block of a .tfquery.hcl example or an action block: its type
// is a list resource or an action of the provider, and its config block sets only that
// type's arguments.
func checkConfigBlock(t *testing.T, file string, block *hclsyntax.Block, schemas map[string]schemaArgs) {
	t.Helper()
	key := block.Type + "." + block.Labels[0]
	s, ok := schemas[key]
	if !ok {
		t.Errorf("%s: %s is not a %s of the provider", file, key, block.Type)
		return
	}
	blockArgs := []string{"provider", "count", "for_each"}
	if block.Type == "list" {
		blockArgs = append(blockArgs, "include_resource", "limit")
	}
	for name := range block.Body.Attributes {
		if !slices.Contains(blockArgs, name) {
			t.Errorf("%s: %s block %s sets %q, which is not an argument of %s blocks", file, block.Type, block.Labels[1], name, block.Type)
		}
	}
	for _, b := range block.Body.Blocks {
		if b.Type != "config" {
			t.Errorf("%s: %s block %s has a %q block; only config is allowed", file, block.Type, block.Labels[1], b.Type)
			continue
		}
		for name := range b.Body.Attributes {
			if !slices.Contains(s.allowed, name) {
				t.Errorf("%s: %s block %s sets %q, which %s lacks", file, block.Type, block.Labels[1], name, key)
			}
		}
		for _, name := range s.required {
			if _, ok := b.Body.Attributes[name]; !ok {
				t.Errorf("%s: %s block %s lacks the required %q", file, block.Type, block.Labels[1], name)
			}
		}
	}
}

type seguraRef struct{ kind, attr string }

// referencesTo finds the traversals data.segura_X.NAME.ATTR and segura_X.NAME.ATTR.
func referencesTo(body *hclsyntax.Body) []seguraRef {
	var refs []seguraRef
	_ = hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
		expr, ok := n.(*hclsyntax.ScopeTraversalExpr)
		if !ok {
			return nil
		}
		var parts []string
		for _, step := range expr.Traversal {
			switch s := step.(type) {
			case hcl.TraverseRoot:
				parts = append(parts, s.Name)
			case hcl.TraverseAttr:
				parts = append(parts, s.Name)
			}
		}
		switch {
		case len(parts) >= 4 && parts[0] == "data" && strings.HasPrefix(parts[1], "segura_"):
			refs = append(refs, seguraRef{"data." + parts[1], parts[3]})
		case len(parts) >= 3 && strings.HasPrefix(parts[0], "segura_"):
			refs = append(refs, seguraRef{"resource." + parts[0], parts[2]})
		}
		return nil
	})
	return refs
}

// TestGuides_sampleErrorIsWhatTheProviderSays compares the sample error of the connecting
// guide with the diagnostic the provider gives for that failure: a Graph permission that the
// Azure pre-flight finds never granted. Terraform wraps the detail to the terminal, so the
// texts are compared word for word, and the line the sample points to must be that line of
// the guide's configuration.
func TestGuides_sampleErrorIsWhatTheProviderSays(t *testing.T) {
	const guide = "../../templates/guides/connecting-an-azure-tenant.md.tmpl"
	src, err := os.ReadFile(guide)
	if err != nil {
		t.Fatal(err)
	}
	_, sample, ok := strings.Cut(string(src), "\n```\nError: ")
	if !ok {
		t.Fatalf("%s: found no sample error (a plain fenced block that starts with Error:)", guide)
	}
	sample, _, _ = strings.Cut(sample, "\n```\n")
	lines := strings.Split(sample, "\n")
	summary := lines[0]

	// The context Terraform prints: with ADDRESS, / on FILE line N, in ...: / N: SOURCE.
	on := regexp.MustCompile(`^  on main\.tf line (\d+), in resource "segura_azure_tenant" "this":$`)
	numbered := regexp.MustCompile(`^\s*(\d+):(.*)$`)
	var lineNo, source string
	rest := -1
	for i, l := range lines {
		if m := on.FindStringSubmatch(l); m != nil && i+1 < len(lines) {
			lineNo = m[1]
			if src := numbered.FindStringSubmatch(lines[i+1]); src != nil && src[1] == lineNo {
				source = src[2]
			} else {
				t.Errorf("%s: the sample's source line %q does not start with its number %s", guide, lines[i+1], lineNo)
			}
			rest = i + 2
			break
		}
	}
	if rest < 0 || len(lines) < 2 || lines[1] != "" || lines[2] != "  with segura_azure_tenant.this," {
		t.Fatalf("%s: the sample error lacks Terraform's context lines (with ..., on main.tf line N, ...):\n%s", guide, sample)
	}
	tf, err := os.ReadFile("../../examples/azure-onboarding/main.tf")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(lineNo)
	tfLines := strings.Split(string(tf), "\n")
	if n < 1 || n > len(tfLines) || strings.TrimSpace(tfLines[n-1]) != strings.TrimSpace(source) {
		t.Errorf("the sample points to main.tf line %s, %q, which is not that line of examples/azure-onboarding/main.tf", lineNo, source)
	}

	var diags diag.Diagnostics
	addOperationError(&diags, action{"connect", "5f0d1a8e-3c2b-4b7e-9f55-2a6c1e0b9d44"}, &azure.Failure{
		Reason: client.ReasonMissingPermissions, Missing: []string{"RoleManagement.ReadWrite.Directory"}, NotGranted: true,
	})
	if len(diags) != 1 {
		t.Fatalf("the provider gave %d diagnostics, want 1: %v", len(diags), diags)
	}
	d := diags[0]
	if withPath, ok := d.(diag.DiagnosticWithPath); !ok || !withPath.Path().Equal(path.Root("application_id")) {
		t.Errorf("the provider's error is not on application_id, where the sample points: %v", d)
	}
	words := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	if summary != d.Summary() {
		t.Errorf("the sample's title is %q; the provider says %q", summary, d.Summary())
	}
	if got, want := words(strings.Join(lines[rest:], "\n")), words(d.Detail()); got != want {
		t.Errorf("the sample's detail differs from the provider's.\nsample:   %s\nprovider: %s", got, want)
	}
}

// registryDocs is where the registry serves docs/: docs/index.md at registryDocs itself, and
// docs/guides/x.md at registryDocs + "/guides/x".
const registryDocs = "https://registry.terraform.io/providers/segura/segura/latest/docs"

// TestDocs_linksWorkOnGitHubAndTheRegistry: docs/ is read on the registry and, from README, on
// GitHub. A relative link works on one of them only (the registry serves docs/guides/x.md at
// .../docs/guides/x, and docs/index.md at .../docs, without a slash), so links between doc
// pages are absolute registry URLs, and each must name a page of docs/ and a heading of it.
// README's links to files of the repository must name files that exist.
func TestDocs_linksWorkOnGitHubAndTheRegistry(t *testing.T) {
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	pages, _ := filepath.Glob("../../docs/*.md")
	more, _ := filepath.Glob("../../docs/*/*.md")
	pages = append(pages, more...)
	if len(pages) < 5 {
		t.Fatalf("found only %d pages in docs/", len(pages))
	}
	checked := 0
	for _, page := range append(pages, "../../README.md") {
		src, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(page, "../../")
		for _, m := range link.FindAllStringSubmatch(string(src), -1) {
			target := m[1]
			switch {
			case strings.HasPrefix(target, "#"):
				continue // within the page
			case strings.HasPrefix(target, registryDocs):
				rest, anchor, _ := strings.Cut(strings.TrimPrefix(target, registryDocs), "#")
				file := "../../docs/index.md"
				if rest != "" {
					file = "../../docs" + rest + ".md"
				}
				checkLinkTarget(t, name, target, file, anchor)
			case strings.Contains(target, "://"):
				continue // another site
			case name == "README.md":
				file, anchor, _ := strings.Cut(target, "#")
				checkLinkTarget(t, name, target, "../../"+file, anchor)
			default:
				t.Errorf("%s links to %s, a relative link, which works on GitHub or on the registry but not both: use %s/...", name, target, registryDocs)
			}
			checked++
		}
	}
	if checked < 10 {
		t.Errorf("checked only %d links", checked)
	}
}

// checkLinkTarget fails unless file (or folder) exists and, when anchor is set, has a heading
// whose anchor it is.
func checkLinkTarget(t *testing.T, page, target, file, anchor string) {
	t.Helper()
	if _, err := os.Stat(file); err != nil {
		t.Errorf("%s links to %s: %v", page, target, err)
		return
	}
	if anchor == "" {
		return
	}
	src, err := os.ReadFile(file)
	if err != nil {
		t.Errorf("%s links to %s: %v", page, target, err)
		return
	}
	for _, line := range strings.Split(string(src), "\n") {
		if heading, ok := strings.CutPrefix(strings.TrimLeft(line, "#"), " "); ok && strings.HasPrefix(line, "#") && headingAnchor(heading) == anchor {
			return
		}
	}
	t.Errorf("%s links to %s, but %s has no heading with the anchor #%s", page, target, strings.TrimPrefix(file, "../../"), anchor)
}

// headingAnchor is the anchor GitHub and the registry give a heading: lower case, spaces as
// hyphens, punctuation but hyphens and underscores dropped.
func headingAnchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-', r == '_', r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}
