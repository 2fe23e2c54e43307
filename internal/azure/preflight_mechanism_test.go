package azure_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/segura/terraform-provider-segura/internal/azure"
)

// TestPreflight_readsAtMost10PagesOfAssignments pins DESIGN.md's "Azure pre-flight": a
// permission missing from the token makes the pre-flight read the application's app role
// assignments in Graph, at most 10 pages of them. A Graph whose pages never end is read 10
// times, and then tells nothing: the permissions stay missing, as waiting may mend.
func TestPreflight_readsAtMost10PagesOfAssignments(t *testing.T) {
	var pages atomic.Int64
	graph := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := pages.Add(1)
		if n > 100 {
			// A pre-flight that does not stop fails here, rather than run until the test times out.
			http.Error(w, "too many pages read", http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"value":[],"@odata.nextLink":"https://%s/v1.0/servicePrincipals/next?page=%d"}`, r.Host, n+1)
	}))
	t.Cleanup(graph.Close)
	p := fixtureEntra(t)
	p.GraphEndpoint = graph.URL
	err := p.Check(context.Background(), fixtureTenant, fixtureApp, "good", azure.ModeReadWrite)
	var f *azure.Failure
	if !errors.As(err, &f) {
		t.Fatalf("want a Failure, got %v", err)
	}
	if n := pages.Load(); n != 10 {
		t.Errorf("the pre-flight read %d pages of app role assignments, want 10", n)
	}
	want := []string{"Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "RoleManagement.ReadWrite.Directory"}
	if f.Reason != azure.ReasonMissingPermissions || !slices.Equal(f.Missing, want) || f.NotGranted || !f.CanPropagate() {
		t.Errorf("got %+v; want the missing %s, left to propagation", f, strings.Join(want, ", "))
	}
}
