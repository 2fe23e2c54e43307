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

// stateFile is what -state-file holds: the connections of every kind, by key, with argon2id
// hashes of their secrets only, and the salt of those hashes.
type stateFile struct {
	SecretSalt []byte `json:"secret_salt"`
	// Tenants are the Azure tenants' connections, where state files have held them from the
	// first, so that the files of earlier emulators load as they are.
	Tenants map[string]*record `json:"tenants"`
	// Connections are those of every other kind, by the kind's stateName.
	Connections map[string]map[string]*record `json:"connections,omitempty"`
}

// of is the connections of k in st.
func (st *stateFile) of(k *kind) map[string]*record {
	if k == azureTenants {
		return st.Tenants
	}
	return st.Connections[k.stateName]
}

// set makes conns the connections of k in st.
func (st *stateFile) set(k *kind, conns map[string]*record) {
	if k == azureTenants {
		st.Tenants = conns
		return
	}
	if st.Connections == nil {
		st.Connections = map[string]map[string]*record{}
	}
	st.Connections[k.stateName] = conns
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
	for _, k := range kinds {
		if len(st.SecretSalt) == 0 && len(st.of(k)) > 0 {
			return fmt.Errorf("state file %s: its secret hashes have no salt; it was written by an older emulator: delete it", s.opts.StateFile)
		}
		s.setConnectionsLocked(k, st.of(k))
	}
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
	st := stateFile{SecretSalt: s.secretSalt}
	for _, k := range kinds {
		st.set(k, s.collections[k].conns)
	}
	b, err := json.MarshalIndent(st, "", "  ")
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
