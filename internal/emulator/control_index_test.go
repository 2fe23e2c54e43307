package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestControlIndex_listsEveryControl: the emulator prints "controls http://.../_emulator/", so
// that address must answer, and what it lists must be the controls it serves.
func TestControlIndex_listsEveryControl(t *testing.T) {
	h := newHarness(t, Options{})
	get := func(path string) (int, []byte) {
		t.Helper()
		resp, err := http.Get(h.ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body
	}

	// The controls CONTRIBUTING.md documents, written out by hand.
	want := []string{
		"DELETE /_emulator/faults",
		"GET /_emulator/requests",
		"POST /_emulator/faults",
		"POST /_emulator/reset",
		"POST /_emulator/tokens/revoke",
	}
	for _, path := range []string{"/_emulator/", "/_emulator"} {
		status, body := get(path)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, status, body)
		}
		var index ControlIndex
		if err := json.Unmarshal(body, &index); err != nil {
			t.Fatalf("GET %s: not the JSON index: %v: %s", path, err, body)
		}
		var got []string
		for _, c := range index.Controls {
			got = append(got, c.Method+" "+c.Path)
			if c.Does == "" {
				t.Errorf("GET %s: %s %s says nothing of what it does", path, c.Method, c.Path)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("GET %s lists %q, want %q", path, got, want)
		}
		if !strings.Contains(index.Note, "not part of") {
			t.Errorf("GET %s: the note %q does not say the controls are outside the contract", path, index.Note)
		}
	}

	// Each control listed is routed: a request to it is handled, not the catch-all's 404.
	for _, route := range want {
		method, path, _ := strings.Cut(route, " ")
		req, err := http.NewRequest(method, h.ts.URL+path, strings.NewReader(`{"status":418}`))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
			t.Errorf("%s is listed but answers %d", route, resp.StatusCode)
		}
	}

	if status, body := get("/_emulator/nothing"); status != http.StatusNotFound {
		t.Errorf("GET /_emulator/nothing: %d %s, want the 404 of an unknown route", status, body)
	}
}
