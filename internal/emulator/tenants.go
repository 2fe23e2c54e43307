package emulator

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

const (
	statusActive   = "active"
	statusInactive = "inactive"

	pageSizeDefault = 50
	pageSizeMax     = 200
)

// tenantRecord is a stored connection. The secret is kept only as a salted HMAC, enough to
// refuse a secret that another tenant already uses, never enough to give it back.
type tenantRecord struct {
	TenantID        string    `json:"tenant_id"`
	Name            string    `json:"name"`
	ApplicationID   string    `json:"application_id"`
	IntegrationMode string    `json:"integration_mode"`
	Tags            []string  `json:"tags"`
	Status          string    `json:"status"`
	ConnectedAt     time.Time `json:"connected_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	// SecretHash is the argon2id hash of the secret, with the server's salt.
	SecretHash []byte `json:"secret_hash"`
	// DirectorySecret is the index, among its application's secrets in the directory
	// fixture, of the secret this connection holds, found when the secret was verified:
	// synchronizations check that secret at their end, since the emulator keeps no secret to
	// sign in with again. Nil in demo mode.
	DirectorySecret *int `json:"directory_secret,omitempty"`
	// SyncStartedAt is when synchronization last (re)started: its runs follow from then on
	// (see syncOf). LastRun is the last run finished before that restart, shown as
	// last_run_at until a new run ends; FrozenSync is the synchronization kept while the
	// connection is inactive.
	SyncStartedAt time.Time  `json:"sync_started_at"`
	LastRun       *syncState `json:"last_run,omitempty"`
	FrozenSync    *syncState `json:"frozen_sync,omitempty"`
}

// tenantView is the object of the contract.
type tenantView struct {
	TenantID        string    `json:"tenant_id"`
	Name            string    `json:"name"`
	ApplicationID   string    `json:"application_id"`
	IntegrationMode string    `json:"integration_mode"`
	Tags            []string  `json:"tags"`
	Status          string    `json:"status"`
	ConnectedAt     time.Time `json:"connected_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	Synchronization syncState `json:"synchronization"`
}

// hashSecret is a slow, salted hash (argon2id with OWASP's minimum parameters), since the
// state file may be copied around; or, with Options.CheapSecretHashes, an HMAC-SHA256 keyed by
// the salt. The salt is the server's, kept in its state file, so that finding which
// connection, if any, holds a secret costs one hash. Call it without s.mu held.
func (s *Server) hashSecret(secret string) []byte {
	if s.opts.CheapSecretHashes {
		mac := hmac.New(sha256.New, s.secretSalt)
		mac.Write([]byte(secret))
		return mac.Sum(nil)
	}
	return argon2.IDKey([]byte(secret), s.secretSalt, 2, 19*1024, 1, 32)
}

func (t *tenantRecord) secretIs(hash []byte) bool {
	return subtle.ConstantTimeCompare(t.SecretHash, hash) == 1
}

// view is the contract's object of t now.
func (s *Server) view(t *tenantRecord) tenantView { return s.viewAt(t, s.now()) }

// viewAt is the contract's object of t at now.
func (s *Server) viewAt(t *tenantRecord, now time.Time) tenantView {
	return tenantView{
		TenantID: t.TenantID, Name: t.Name, ApplicationID: t.ApplicationID,
		IntegrationMode: t.IntegrationMode, Tags: slices.Clone(t.Tags), Status: t.Status,
		ConnectedAt: t.ConnectedAt.Truncate(time.Second), UpdatedAt: t.UpdatedAt.Truncate(time.Second),
		Synchronization: s.syncOf(t, now),
	}
}

// tenantInput is a create or PATCH body; pointers tell absent fields from empty ones.
type tenantInput struct {
	Name            *string   `json:"name"`
	TenantID        *string   `json:"tenant_id"`
	ApplicationID   *string   `json:"application_id"`
	SecretValue     *string   `json:"secret_value"`
	IntegrationMode *string   `json:"integration_mode"`
	Tags            *[]string `json:"tags"`
	Status          *string   `json:"status"`
}

func decodeInput(body []byte) (tenantInput, []detail) {
	var in tenantInput
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(&in)
	if err == nil {
		if dec.Decode(new(json.RawMessage)) != io.EOF {
			return in, []detail{{Reason: "invalid_json", Message: "the body must hold one JSON object and nothing after it"}}
		}
		return in, nil
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field == "" {
			return in, []detail{{Reason: "invalid_json", Message: "the body is not a JSON object"}}
		}
		return in, []detail{{Field: typeErr.Field, Reason: "invalid_type", Message: "must be " + jsonKind(typeErr.Type)}}
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return in, []detail{{Field: strings.Trim(f, `"`), Reason: "unknown_field", Message: "is not a field of an Azure tenant connection"}}
	}
	return in, []detail{{Reason: "invalid_json", Message: "the body is not a JSON object"}}
}

// jsonKind names, in JSON's words, what a field of type t holds.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list of " + strings.TrimPrefix(jsonKind(t.Elem()), "a ") + "s"
	}
	return "a JSON object"
}

// validate checks the fields present in in.
func (in tenantInput) validate() []detail {
	var out []detail
	if in.Name != nil {
		out = append(out, checkName(*in.Name)...)
	}
	if in.TenantID != nil {
		out = append(out, checkUUID("tenant_id", *in.TenantID)...)
	}
	if in.ApplicationID != nil {
		out = append(out, checkUUID("application_id", *in.ApplicationID)...)
	}
	if in.SecretValue != nil {
		out = append(out, checkSecret(*in.SecretValue)...)
	}
	if in.IntegrationMode != nil {
		out = append(out, checkMode(*in.IntegrationMode)...)
	}
	if in.Tags != nil {
		out = append(out, checkTags(*in.Tags)...)
	}
	if in.Status != nil {
		out = append(out, checkStatus(*in.Status)...)
	}
	return out
}

func sortedTags(tags *[]string) []string {
	if tags == nil {
		return []string{}
	}
	out := slices.Clone(*tags)
	slices.Sort(out)
	return out
}

// secretOwner returns the tenant, other than except, whose secret has hash.
func (s *Server) secretOwner(hash []byte, except string) *tenantRecord {
	if id, ok := s.secretOwners[string(hash)]; ok && id != except {
		return s.tenants[id]
	}
	return nil
}

// putLocked stores t as the connection of id, and indexes its secret.
func (s *Server) putLocked(id string, t *tenantRecord) {
	s.removeLocked(id)
	s.tenants[id] = t
	s.secretOwners[string(t.SecretHash)] = id
}

// removeLocked forgets the connection of id and its secret.
func (s *Server) removeLocked(id string) {
	if old := s.tenants[id]; old != nil {
		delete(s.secretOwners, string(old.SecretHash))
		delete(s.tenants, id)
	}
}

// setTenantsLocked replaces every connection, and indexes their secrets.
func (s *Server) setTenantsLocked(tenants map[string]*tenantRecord) {
	s.tenants, s.secretOwners = map[string]*tenantRecord{}, map[string]string{}
	for id, t := range tenants {
		s.putLocked(id, t)
	}
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		writeError(w, http.StatusBadRequest, codeValidationFailed, "the body could not be read: "+err.Error())
		return nil, false
	}
	return body, true
}

// decodeCreate reads a create's body with the rules a PATCH shares, plus the fields only a
// create requires, so that every missing field is reported in one answer.
func decodeCreate(body []byte) (tenantInput, []detail) {
	in, details := decodeInput(body)
	if details != nil {
		return in, details
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"name", in.Name}, {"tenant_id", in.TenantID}, {"application_id", in.ApplicationID},
		{"secret_value", in.SecretValue}, {"integration_mode", in.IntegrationMode}} {
		if f.v == nil {
			details = append(details, required(f.name))
		}
	}
	return in, append(details, in.validate()...)
}

func (s *Server) create(w http.ResponseWriter, body []byte) {
	in, details := decodeCreate(body)
	if len(details) > 0 {
		writeValidation(w, details)
		return
	}
	id := strings.ToLower(*in.TenantID)
	appID := strings.ToLower(*in.ApplicationID)
	status := statusActive
	if in.Status != nil {
		status = *in.Status
	}
	secretHash := s.hashSecret(*in.SecretValue)

	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.tenants[id]; exists {
		writeError(w, http.StatusConflict, codeTenantConnected,
			"a connection for Azure tenant "+id+" already exists; import it or delete it first",
			detail{Field: "tenant_id", Reason: "already_connected", Message: "is already connected"})
		return
	}
	if s.secretOwner(secretHash, id) != nil {
		writeSecretInUse(w)
		return
	}
	now := s.now()
	elapsed := now.Sub(s.started)
	if fails := s.opts.Directory.verify(id, appID, *in.SecretValue, *in.IntegrationMode, elapsed); len(fails) > 0 {
		writeError(w, http.StatusUnprocessableEntity, codeAzureConnectionFailed,
			"Azure rejected the connection", fails...)
		return
	}
	t := &tenantRecord{
		TenantID: id, Name: *in.Name, ApplicationID: appID, IntegrationMode: *in.IntegrationMode,
		Tags: sortedTags(in.Tags), Status: status, ConnectedAt: now, UpdatedAt: now, SyncStartedAt: now,
		SecretHash: secretHash, DirectorySecret: s.opts.Directory.secretIndex(id, appID, *in.SecretValue, elapsed),
	}
	if status == statusInactive {
		t.FrozenSync = &syncState{State: syncPending}
	}
	s.putLocked(id, t)
	if err := s.saveLocked(); err != nil {
		s.removeLocked(id)
		writeError(w, http.StatusInternalServerError, codeInternal, "saving state: "+err.Error())
		return
	}
	w.Header().Set("Location", tenantsPath+"/"+id)
	writeJSON(w, http.StatusCreated, s.view(t))
}

func (s *Server) handleGet(w http.ResponseWriter, r *http.Request) {
	id := strings.ToLower(r.PathValue("tenant_id"))
	s.mu.Lock()
	t := s.tenants[id]
	var v tenantView
	if t != nil {
		v = s.view(t)
	}
	s.mu.Unlock()
	if t == nil {
		writeNotFound(w, id)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func writeSecretInUse(w http.ResponseWriter) {
	writeError(w, http.StatusConflict, codeSecretInUse, "this client secret already belongs to another connected tenant",
		detail{Field: "secret_value", Reason: "in_use", Message: "is used by another connected tenant"})
}

func writeNotFound(w http.ResponseWriter, id string) {
	writeError(w, http.StatusNotFound, codeNotFound, "no connection for Azure tenant "+id)
}

func (s *Server) handleUpdate(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	id := strings.ToLower(r.PathValue("tenant_id"))
	in, details := decodeInput(body)
	if details == nil {
		details = in.validate()
	}
	var secretHash []byte
	if in.SecretValue != nil && details == nil {
		secretHash = s.hashSecret(*in.SecretValue)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tenants[id]
	if t == nil {
		writeNotFound(w, id)
		return
	}
	if details = append(details, updateRules(in, t)...); len(details) > 0 {
		writeValidation(w, details)
		return
	}
	if secretHash != nil && s.secretOwner(secretHash, id) != nil {
		writeSecretInUse(w)
		return
	}
	next := t.updated(in)
	credentialsChange := next.ApplicationID != t.ApplicationID || next.IntegrationMode != t.IntegrationMode ||
		(secretHash != nil && !t.secretIs(secretHash))
	if credentialsChange {
		if fails := s.verifyUpdate(&next, in.SecretValue); len(fails) > 0 {
			writeError(w, http.StatusUnprocessableEntity, codeAzureConnectionFailed, "Azure rejected the connection", fails...)
			return
		}
		if secretHash != nil {
			next.SecretHash = secretHash
		}
	}
	now := s.now()
	s.resynchronize(t, &next, credentialsChange, now)
	if !sameRecord(&next, t) {
		next.UpdatedAt = now
	}
	s.putLocked(id, &next)
	if err := s.saveLocked(); err != nil {
		s.putLocked(id, t)
		writeError(w, http.StatusInternalServerError, codeInternal, "saving state: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, s.view(&next))
}

// updateRules are the PATCH rules that depend on the stored connection: tenant_id cannot
// change, and a new application needs its secret.
func updateRules(in tenantInput, t *tenantRecord) []detail {
	var details []detail
	if in.TenantID != nil && !strings.EqualFold(*in.TenantID, t.TenantID) {
		details = append(details, detail{Field: "tenant_id", Reason: "immutable",
			Message: "cannot change; delete this connection and create another"})
	}
	if in.ApplicationID != nil && !strings.EqualFold(*in.ApplicationID, t.ApplicationID) && in.SecretValue == nil {
		details = append(details, detail{Field: "secret_value", Reason: "required",
			Message: "is required when application_id changes"})
	}
	return details
}

// updated is t with the fields of in that are present; the secret is set apart, once verified.
func (t *tenantRecord) updated(in tenantInput) tenantRecord {
	next := *t
	if in.Name != nil {
		next.Name = *in.Name
	}
	if in.ApplicationID != nil {
		next.ApplicationID = strings.ToLower(*in.ApplicationID)
	}
	if in.IntegrationMode != nil {
		next.IntegrationMode = *in.IntegrationMode
	}
	if in.Tags != nil {
		next.Tags = sortedTags(in.Tags)
	}
	if in.Status != nil {
		next.Status = *in.Status
	}
	return next
}

// verifyUpdate checks next's credentials with the directory: with the new secret when one is
// given, and then records which directory secret next holds; else (only the mode changed) by
// the application's directory entry, since the emulator does not keep the stored secret.
func (s *Server) verifyUpdate(next *tenantRecord, secret *string) []detail {
	elapsed := s.now().Sub(s.started)
	if secret == nil {
		return s.opts.Directory.verifyStored(next.TenantID, next.ApplicationID, next.IntegrationMode, elapsed)
	}
	fails := s.opts.Directory.verify(next.TenantID, next.ApplicationID, *secret, next.IntegrationMode, elapsed)
	if len(fails) == 0 {
		next.DirectorySecret = s.opts.Directory.secretIndex(next.TenantID, next.ApplicationID, *secret, elapsed)
	}
	return fails
}

func sameRecord(a, b *tenantRecord) bool {
	return a.Name == b.Name && a.ApplicationID == b.ApplicationID && a.IntegrationMode == b.IntegrationMode &&
		slices.Equal(a.Tags, b.Tags) && a.Status == b.Status && bytes.Equal(a.SecretHash, b.SecretHash)
}

func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request) {
	id := strings.ToLower(r.PathValue("tenant_id"))
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tenants[id]
	if t == nil {
		writeNotFound(w, id)
		return
	}
	s.removeLocked(id)
	if err := s.saveLocked(); err != nil {
		s.putLocked(id, t)
		writeError(w, http.StatusInternalServerError, codeInternal, "saving state: "+err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
