package emulator

import (
	"net/http"
	"time"
)

// syncCadence is the wait between the end of a synchronization run and the start of the next.
const syncCadence = 15 * time.Minute

// States of a synchronization.
const (
	syncPending   = "pending"
	syncRunning   = "running"
	syncSucceeded = "succeeded"
	syncFailed    = "failed"
)

// syncState is the contract's synchronization object. LastRunAt is when the last finished run
// ended; NextRunAt, when the next run starts, is set once a run has finished on an active
// connection, and absent while a run is pending or running (the run under way is the next one)
// and while inactive; Reason is set only when State is failed.
type syncState struct {
	State     string     `json:"state"`
	LastRunAt *time.Time `json:"last_run_at,omitempty"`
	NextRunAt *time.Time `json:"next_run_at,omitempty"`
	Reason    string     `json:"reason,omitempty"`
	Message   string     `json:"message"`
}

// syncOf is t's synchronization at now. Runs are derived from time, never scheduled: the
// first begins at SyncStartedAt, each lasts SyncDuration (pending for its first third, then
// running), and each later one begins 15 minutes after the one before ended. A run's outcome
// is decided against the directory at its end. While a run is pending or running, last_run_at
// is the run before it, of this chain or (LastRun) of the one before the last restart.
func (s *Server) syncOf(t *record, now time.Time) syncState {
	if t.FrozenSync != nil {
		return *t.FrozenSync
	}
	start, first := s.currentRun(t, now)
	d := s.opts.SyncDuration
	out := syncState{State: syncRunning}
	switch elapsed := now.Sub(start); {
	case elapsed >= d:
		return s.finishedRun(t, start.Add(d))
	case elapsed < d/3:
		out.State = syncPending
	}
	if prev := s.runBefore(t, start, first); prev != nil {
		out.LastRunAt = prev.LastRunAt
	}
	return out
}

// currentRun is when the run under way at now, or else the last one finished, started, and
// whether it is the first run since SyncStartedAt.
func (s *Server) currentRun(t *record, now time.Time) (time.Time, bool) {
	period := s.opts.SyncDuration + syncCadence
	n := max(0, now.Sub(t.SyncStartedAt)) / period
	return t.SyncStartedAt.Add(n * period), n == 0
}

// finishedRun is the run of t that ended at end: succeeded, or failed with the reason and
// message of its kind's synchronize, and the next run 15 minutes after end.
func (s *Server) finishedRun(t *record, end time.Time) syncState {
	reason, msg := t.kind.synchronize(s, t, max(0, end.Sub(s.started)))
	last, next := end.Truncate(time.Second), end.Add(syncCadence).Truncate(time.Second)
	out := syncState{State: syncSucceeded, LastRunAt: &last, NextRunAt: &next, Message: msg}
	if reason != "" {
		out.State, out.Reason = syncFailed, reason
	}
	return out
}

// runBefore is the run that ended before the run that started at start: the chain's previous
// one, or, for the first run of the chain, the last run before the restart (nil if none).
func (s *Server) runBefore(t *record, start time.Time, first bool) *syncState {
	if first {
		return t.LastRun
	}
	r := s.finishedRun(t, start.Add(-syncCadence))
	return &r
}

// lastFinished is t's last finished run at now, without next_run_at, since no run follows it
// once it is kept apart; nil when none has finished.
func (s *Server) lastFinished(t *record, now time.Time) *syncState {
	var run *syncState
	switch start, first := s.currentRun(t, now); {
	case t.FrozenSync != nil && t.FrozenSync.LastRunAt != nil:
		run = t.FrozenSync
	case t.FrozenSync != nil:
		return nil
	case !now.Before(start.Add(s.opts.SyncDuration)):
		r := s.finishedRun(t, start.Add(s.opts.SyncDuration))
		run = &r
	default:
		run = s.runBefore(t, start, first)
	}
	if run == nil {
		return nil
	}
	out := *run
	out.NextRunAt = nil
	return &out
}

// restartSync starts next's synchronization again at now, its first run pending. The last
// run that old, the connection as it was, finished stays as last_run_at until a new one ends.
func (s *Server) restartSync(old, next *record, now time.Time) {
	next.LastRun = s.lastFinished(old, now)
	next.SyncStartedAt, next.FrozenSync = now, nil
}

// freezeSync keeps, while next is inactive, the last run that old finished, or pending when
// none has: a run under way when the connection is deactivated is abandoned.
func (s *Server) freezeSync(old, next *record, now time.Time) {
	frozen := syncState{State: syncPending}
	if last := s.lastFinished(old, now); last != nil {
		frozen = *last
	}
	next.FrozenSync = &frozen
}

// resynchronize sets next's synchronization: deactivation freezes it; new credentials or
// reactivation start a fresh one, since inactive connections are not synchronized.
func (s *Server) resynchronize(old, next *record, credentialsChange bool, now time.Time) {
	switch {
	case next.Status == statusInactive && old.Status == statusActive:
		s.freezeSync(old, next, now)
	case next.Status == statusActive && (credentialsChange || old.Status == statusInactive):
		s.restartSync(old, next, now)
	}
}

// handleReprocess is Setup's Reprocess: a run starts now and the answer shows it pending,
// unless a run is already pending or running, which is answered instead; an inactive
// connection is refused, since inactive connections are not synchronized.
func (s *Server) handleReprocess(k *kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := k.canonKey(r.PathValue(k.key))
		s.mu.Lock()
		defer s.mu.Unlock()
		t := s.collections[k].conns[key]
		switch {
		case t == nil:
			writeNotFound(w, k, key)
			return
		case t.Status == statusInactive:
			writeError(w, http.StatusConflict, codeConnectionInactive, "the connection of "+k.noun+" "+key+
				" is inactive, and inactive connections are not synchronized: activate it first (status active), which starts a synchronization")
			return
		}
		now := s.now()
		if st := s.syncOf(t, now).State; st == syncPending || st == syncRunning {
			writeJSON(w, http.StatusAccepted, s.viewAt(t, now))
			return
		}
		next := *t
		s.restartSync(t, &next, now)
		s.putLocked(key, &next)
		if err := s.saveLocked(); err != nil {
			s.putLocked(key, t)
			writeError(w, http.StatusInternalServerError, codeInternal, "saving state: "+err.Error())
			return
		}
		writeJSON(w, http.StatusAccepted, s.viewAt(&next, now))
	}
}
