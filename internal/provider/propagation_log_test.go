package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"

	"github.com/segura/terraform-provider-segura/internal/azure"
)

// TestUntilPropagated_saysWhyItWaits: a wait for Entra ID says at INFO, when it begins and
// then every 30 seconds, what it waits for and until when, so that "Still creating..." has
// a reason in the log.
func TestUntilPropagated_saysWhyItWaits(t *testing.T) {
	var logs bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &logs)
	clock := newSkipClock()
	start := clock.Now()
	var triedAt []time.Duration
	err := azureTenant.propagation.until(ctx, clock, 3*time.Minute, func(context.Context) error {
		triedAt = append(triedAt, clock.Since(start))
		return &azure.Failure{Reason: azure.ReasonInvalidClientSecret}
	})
	if err == nil {
		t.Fatal("a secret that never works must fail")
	}
	until := start.Add(3 * time.Minute).UTC().Format("15:04:05 MST")
	var infos []string
	saidAt := map[int]bool{} // the tries that an INFO record speaks of
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec struct {
			Level   string `json:"@level"`
			Message string `json:"@message"`
			Try     int    `json:"try"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec.Level != "info" {
			continue
		}
		infos = append(infos, rec.Message)
		if !strings.Contains(rec.Message, "invalid_client_secret") || !strings.Contains(rec.Message, "until "+until) {
			t.Errorf("an INFO record does not say what it waits for and until when (%s): %s", until, rec.Message)
		}
		if rec.Try < 1 || rec.Try > len(triedAt) {
			t.Fatalf("an INFO record of try %d, of %d tries", rec.Try, len(triedAt))
		}
		saidAt[rec.Try] = true
	}
	if len(infos) == 0 || !strings.Contains(infos[0], "Still creating...") || !strings.Contains(infos[0], "azure_propagation_timeout") {
		t.Fatalf("the wait did not say, when it began, that it is what \"Still creating...\" is: %q", infos)
	}
	// Said at the first try, then at the first try 30 s or more after the last said.
	var lastSaid time.Duration
	for i, at := range triedAt {
		said := saidAt[i+1]
		want := i == 0 || at-lastSaid >= 30*time.Second
		if i == len(triedAt)-1 {
			want = false // the last try gives up: its error says it
		}
		if said != want {
			t.Errorf("try %d at %s: said at INFO %v, want %v (last said at %s)", i+1, at, said, want, lastSaid)
		}
		if said {
			lastSaid = at
		}
	}
	if len(infos) < 5 {
		t.Errorf("%d INFO records over 3 minutes, want one at the start and one every 30 s: %q", len(infos), infos)
	}
}
