package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// stateFile is what -state-file holds: the connections, with argon2id hashes of their
// secrets only, and the salt of those hashes.
type stateFile struct {
	SecretSalt []byte                   `json:"secret_salt"`
	Tenants    map[string]*tenantRecord `json:"tenants"`
}

// tempStatePattern names the temporary files saveLocked writes before it renames one over the
// state file.
const tempStatePattern = ".segura-emulator-state-*"

func (s *Server) load() error {
	if s.opts.StateFile == "" {
		return nil
	}
	// A process killed while saving leaves its temporary file behind.
	stale, err := filepath.Glob(filepath.Join(filepath.Dir(s.opts.StateFile), tempStatePattern))
	if err != nil {
		return err
	}
	for _, f := range stale {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	b, err := os.ReadFile(s.opts.StateFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var st stateFile
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("state file %s: %w", s.opts.StateFile, err)
	}
	if len(st.SecretSalt) == 0 && len(st.Tenants) > 0 {
		return fmt.Errorf("state file %s: its secret hashes have no salt; it was written by an older emulator: delete it", s.opts.StateFile)
	}
	s.setTenantsLocked(st.Tenants)
	if len(st.SecretSalt) > 0 {
		s.secretSalt = st.SecretSalt
	}
	return nil
}

// saveLocked writes the state file atomically: a temporary file in the same folder, synced,
// then renamed over the old one. The caller holds s.mu.
func (s *Server) saveLocked() error {
	if s.opts.StateFile == "" {
		return nil
	}
	b, err := json.MarshalIndent(stateFile{SecretSalt: s.secretSalt, Tenants: s.tenants}, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(s.opts.StateFile)
	tmp, err := os.CreateTemp(dir, tempStatePattern)
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), s.opts.StateFile)
}

type latencyKey struct{}

// pause waits, on the emulator's clock, the latency that an injected fault put on this
// request, if any. Like a real server's work, the wait goes on when the client disconnects:
// a slow create is committed even though nobody reads its answer.
func (s *Server) pause(r *http.Request) {
	if d, _ := r.Context().Value(latencyKey{}).(time.Duration); d > 0 {
		<-s.opts.Clock.After(d)
	}
}

func withLatency(r *http.Request, d time.Duration) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), latencyKey{}, d))
}
