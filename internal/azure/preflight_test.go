package azure_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/segura/terraform-provider-segura/internal/azure"
	"github.com/segura/terraform-provider-segura/internal/emulator"
)

const (
	tenant     = "11111111-1111-4111-8111-111111111111"
	readApp    = "aaaaaaaa-0000-4000-8000-000000000001"
	partialApp = "aaaaaaaa-0000-4000-8000-000000000002"
	laterApp   = "aaaaaaaa-0000-4000-8000-000000000003"
)

// entra serves the emulator's Entra ID token service over HTTPS and returns a Preflight that
// trusts it.
func entra(t *testing.T) azure.Preflight {
	t.Helper()
	dir, err := emulator.LoadDirectory("../emulator/testdata/directory.json")
	if err != nil {
		t.Fatal(err)
	}
	emu, err := emulator.New(emulator.Options{Directory: dir})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewTLSServer(emu.EntraHandler())
	t.Cleanup(ts.Close)
	// The emulator serves Microsoft Graph on the same host: the pre-flight sends nothing beyond
	// loopback.
	return azure.Preflight{Environment: "public", AuthorityHost: ts.URL + "/", GraphEndpoint: ts.URL, Transport: ts.Client()}
}

// preflightCase is a Check of the pre-flight and its expected outcome: success when reason
// is empty, else a Failure with that reason, AADSTS code and missing permissions.
type preflightCase struct {
	name, tenant, app, secret, mode string
	reason                          string
	aadsts                          int
	missing                         []string
}

func checkPreflight(t *testing.T, p azure.Preflight, cases []preflightCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := p.Check(context.Background(), tc.tenant, tc.app, tc.secret, tc.mode)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			var f *azure.Failure
			if !errors.As(err, &f) {
				t.Fatalf("want a Failure, got %T %v", err, err)
			}
			if f.Reason != tc.reason || f.AADSTS != tc.aadsts || !slices.Equal(f.Missing, tc.missing) {
				t.Errorf("got %+v, want reason %s, AADSTS%d, missing %v", f, tc.reason, tc.aadsts, tc.missing)
			}
		})
	}
}

func TestPreflight_againstEntraID(t *testing.T) {
	p := entra(t)
	ctx := context.Background()
	checkPreflight(t, p, []preflightCase{
		{"all granted", tenant, readApp, "good-secret", "read", "", 0, nil},
		{"wrong secret", tenant, readApp, "wrong", "read", azure.ReasonInvalidClientSecret, 7000215, nil},
		{"not yet valid secret", tenant, readApp, "late-secret", "read", azure.ReasonInvalidClientSecret, 7000215, nil},
		{"unknown application", tenant, "bbbbbbbb-0000-4000-8000-000000000009", "good-secret", "read", azure.ReasonApplicationNotFound, 700016, nil},
		{"application not yet propagated", tenant, laterApp, "new-app-secret", "read", azure.ReasonApplicationNotFound, 700016, nil},
		{"unknown tenant", "33333333-3333-4333-8333-333333333333", readApp, "good-secret", "read", azure.ReasonTenantNotFound, 90002, nil},
		{"read app in read_write mode", tenant, readApp, "good-secret", "read_write", azure.ReasonMissingPermissions, 0,
			[]string{"Application.ReadWrite.All", "AppRoleAssignment.ReadWrite.All", "RoleManagement.ReadWrite.Directory"}},
	})
	// A partly consented app: only Directory.Read.All is granted.
	err := p.Check(ctx, tenant, partialApp, "no-consent-secret", "read")
	var f *azure.Failure
	if !errors.As(err, &f) || len(f.Missing) != 6 || slices.Contains(f.Missing, "Directory.Read.All") {
		t.Errorf("partial consent: %v", err)
	}
}

func TestPreflight_unreachableIsNotAFailure(t *testing.T) {
	ts := httptest.NewTLSServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close()
	p := azure.Preflight{AuthorityHost: url + "/", Transport: ts.Client()}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := p.Check(ctx, tenant, readApp, "s", "read")
	var f *azure.Failure
	if err == nil || errors.As(err, &f) {
		t.Errorf("want a plain error for an unreachable Entra ID, got %v", err)
	}
}

func TestPropagating(t *testing.T) {
	for reason, want := range map[string]bool{
		azure.ReasonInvalidClientSecret: true, azure.ReasonApplicationNotFound: true,
		azure.ReasonMissingPermissions: true, azure.ReasonMissingRole: true, azure.ReasonTenantNotFound: false,
	} {
		if azure.Propagating(reason) != want {
			t.Errorf("Propagating(%s) = %v", reason, !want)
		}
	}
}
