package provider

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/segura/terraform-provider-segura/internal/testutil"
)

// TestAccCLI_failuresNoRetryMends: a url that can never work (plain HTTP behind https://, a
// certificate the machine does not trust or issued for another name, a TLS handshake the
// server refuses) fails plan and apply at their first request, naming the cause; with the
// default settings a retried failure would cost the plan 20 s and the apply its 15 minutes.
func TestAccCLI_failuresNoRetryMends(t *testing.T) {
	e := newCLIEnv(t, clockwork.NewRealClock(), "it serves Segura's API behind broken TLS")
	cases := []struct {
		name string
		// start gives the URL of a server in front of the emulator, and the certificate the
		// machine trusts (none when empty).
		start func(t *testing.T, conns *atomic.Int64) (url string, trusted []byte)
		says  []string
	}{
		{"plain HTTP behind https", func(t *testing.T, conns *atomic.Int64) (string, []byte) {
			s := testutil.CountingServer(t, e.emu, nil, conns)
			return strings.Replace(s.URL, "http://", "https://", 1), nil
		}, []string{"Error: Plain HTTP where https:// was given", "server gave HTTP response to HTTPS client", "url (SEGURA_URL)"}},
		{"certificate not trusted", func(t *testing.T, conns *atomic.Int64) (string, []byte) {
			s := testutil.CountingServer(t, e.emu, &tls.Config{}, conns)
			return s.URL, nil
		}, []string{"Error: Certificate not trusted", "SSL_CERT_FILE"}},
		{"certificate for another name", func(t *testing.T, conns *atomic.Int64) (string, []byte) {
			s := testutil.CountingServer(t, e.emu, &tls.Config{}, conns)
			return strings.Replace(s.URL, "127.0.0.1", "localhost", 1), s.Certificate().Raw
		}, []string{"Error: Certificate for another host", "not for localhost"}},
		{"no cipher suite in common", func(t *testing.T, conns *atomic.Int64) (string, []byte) {
			// RSA key exchange, which Go's clients no longer offer.
			s := testutil.CountingServer(t, e.emu, &tls.Config{MaxVersion: tls.VersionTLS12,
				CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256}}, conns)
			return s.URL, s.Certificate().Raw
		}, []string{"Error: TLS handshake failed", "handshake failure"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var conns atomic.Int64
			url, trusted := tc.start(t, &conns)
			env := []string{"SSL_CERT_FILE=" + certFile(t, trusted)}
			e.writeConfig(strings.Replace(e.providerBlock(""), e.url, url, 1) + newTenantConfig().hcl())
			for _, command := range [][]string{{"plan", "-input=false", "-no-color"}, {"apply", "-auto-approve", "-input=false", "-no-color"}} {
				before := conns.Load()
				out, err := e.runBounded(t, env, command...)
				if err == nil {
					t.Fatalf("%s passed:\n%s", command[0], out)
				}
				for _, want := range tc.says {
					if !strings.Contains(out, want) {
						t.Errorf("%s does not say %q:\n%s", command[0], want, out)
					}
				}
				if n := conns.Load() - before; n != 1 {
					t.Errorf("%s opened %d connections, want 1: the failure was retried", command[0], n)
				}
			}
		})
	}
}

// certFile writes cert (DER), or nothing, as the only certificate the provider trusts.
func certFile(t *testing.T, cert []byte) string {
	t.Helper()
	var pemText []byte
	if cert != nil {
		pemText = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert})
	}
	f := filepath.Join(t.TempDir(), "trusted.pem")
	if err := os.WriteFile(f, pemText, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// runBounded runs the CLI with args and env, and fails the test if it has not ended within
// two minutes: a guard against a hang, never a measure of speed.
func (e *cliEnv) runBounded(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.cli, args...)
	cmd.Dir, cmd.Env = e.dir, append(append([]string{}, e.env...), env...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s hung:\n%s", args[0], out)
	}
	return string(out), err
}
