package emulator

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"maps"
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

// record is a stored connection of any kind. Its secrets are kept only as a salted hash,
// enough to refuse a credential that another connection holds, never enough to give them back.
type record struct {
	kind *kind
	// Fields are the key and the kind's other fields that are not secret, by their wire names,
	// in their canonical form. The state file has them beside the others (see MarshalJSON).
	Fields      map[string]string `json:"-"`
	Name        string            `json:"name"`
	Tags        []string          `json:"tags"`
	Status      string            `json:"status"`
	ConnectedAt time.Time         `json:"connected_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
	// SecretHash is the argon2id hash of the secrets, with the server's salt.
	SecretHash []byte `json:"secret_hash"`
	// DirectorySecret is the index, among its application's secrets in the Azure directory
	// fixture, of the secret an Azure tenant's connection holds, found when the secret was
	// verified: synchronizations check that secret at their end, since the emulator keeps no
	// secret to sign in with again. Nil in demo mode, and for kinds whose fields suffice.
	DirectorySecret *int `json:"directory_secret,omitempty"`
	// SyncStartedAt is when synchronization last (re)started: its runs follow from then on
	// (see syncOf). LastRun is the last run finished before that restart, shown as
	// last_run_at until a new run ends; FrozenSync is the synchronization kept while the
	// connection is inactive.
	SyncStartedAt time.Time  `json:"sync_started_at"`
	LastRun       *syncState `json:"last_run,omitempty"`
	FrozenSync    *syncState `json:"frozen_sync,omitempty"`
}

// plainRecord is a record without its JSON methods.
type plainRecord record

// recordNames are the JSON names of a record's own members, which no kind's field may take.
var recordNames = func() map[string]bool {
	out := map[string]bool{}
	t := reflect.TypeFor[plainRecord]()
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			out[name] = true
		}
	}
	return out
}()

// MarshalJSON writes the kind's fields beside the record's own members, as the first
// emulators wrote an Azure tenant ("tenant_id", "application_id", ...), so that state files
// of every version read alike.
func (r *record) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal((*plainRecord)(r))
	if err != nil || len(r.Fields) == 0 {
		return b, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for name, v := range r.Fields {
		if m[name], err = json.Marshal(v); err != nil {
			return nil, err
		}
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads what MarshalJSON writes: every string member that is not the record's
// own is a field of the kind.
func (r *record) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, (*plainRecord)(r)); err != nil {
		return err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	r.Fields = map[string]string{}
	for name, raw := range m {
		var v string
		if !recordNames[name] && json.Unmarshal(raw, &v) == nil {
			r.Fields[name] = v
		}
	}
	return nil
}

// key is the record's key.
func (r *record) key() string { return r.Fields[r.kind.key] }

// member is one member of a JSON object; object keeps its members in order, so that an
// object reads as the contract shows it.
type member struct {
	name  string
	value any
}

type object []member

func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		name, err := json.Marshal(m.name)
		if err != nil {
			return nil, err
		}
		value, err := json.Marshal(m.value)
		if err != nil {
			return nil, err
		}
		b.Write(name)
		b.WriteByte(':')
		b.Write(value)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// view is the contract's object of r now.
func (s *Server) view(r *record) object { return s.viewAt(r, s.now()) }

// viewAt is the contract's object of r at now: its key, name, the kind's fields that are not
// secret, then what every kind has.
func (s *Server) viewAt(r *record, now time.Time) object {
	k := r.kind
	o := object{{k.key, r.key()}, {fieldName, r.Name}}
	for _, f := range k.fields {
		if f.name != k.key && !f.secret {
			o = append(o, member{f.name, r.Fields[f.name]})
		}
	}
	return append(o,
		member{fieldTags, slices.Clone(r.Tags)},
		member{fieldStatus, r.Status},
		member{"connected_at", r.ConnectedAt.Truncate(time.Second)},
		member{"updated_at", r.UpdatedAt.Truncate(time.Second)},
		member{"synchronization", s.syncOf(r, now)})
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

// input is a create or PATCH body of a kind: the fields present, by wire name.
type input struct {
	kind   *kind
	values map[string]string // name, status and the kind's fields
	tags   *[]string
}

// decode reads a body of k. Absent fields and fields set to null are absent alike.
func (k *kind) decode(body []byte) (input, []detail) {
	v := reflect.New(k.body)
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v.Interface())
	in := input{kind: k, values: map[string]string{}}
	for i := range k.body.NumField() {
		name := k.body.Field(i).Tag.Get("json")
		switch p := v.Elem().Field(i).Interface().(type) {
		case *string:
			if p != nil {
				in.values[name] = *p
			}
		case *[]string:
			in.tags = p
		}
	}
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
		return in, []detail{{Field: strings.Trim(f, `"`), Reason: "unknown_field", Message: "is not a field of an " + k.noun + " connection"}}
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
func (in input) validate() []detail {
	var out []detail
	if v, ok := in.values[fieldName]; ok {
		out = append(out, checkName(v)...)
	}
	for _, f := range in.kind.fields {
		if v, ok := in.values[f.name]; ok && f.check != nil {
			out = append(out, f.check(v)...)
		}
	}
	if in.tags != nil {
		out = append(out, checkTags(*in.tags)...)
	}
	if v, ok := in.values[fieldStatus]; ok {
		out = append(out, checkStatus(v)...)
	}
	return out
}

// secrets are the values of the secret fields present.
func (in input) secrets() map[string]string {
	out := map[string]string{}
	for _, f := range in.kind.fields {
		if v, ok := in.values[f.name]; ok && f.secret {
			out[f.name] = v
		}
	}
	return out
}

// canonical is v in the form f keeps.
func (f *field) canonical(v string) string {
	if f.canon != nil {
		return f.canon(v)
	}
	return v
}

func sortedTags(tags *[]string) []string {
	if tags == nil {
		return []string{}
	}
	out := slices.Clone(*tags)
	slices.Sort(out)
	return out
}

// collection is the connections of one kind, by key, and the key of the connection that
// holds each credential, by the credential's identity.
type collection struct {
	conns  map[string]*record
	owners map[string]string
}

// putLocked stores r as the connection of key, and indexes its credential.
func (s *Server) putLocked(key string, r *record) {
	s.removeLocked(r.kind, key)
	c := s.collections[r.kind]
	c.conns[key] = r
	c.owners[r.kind.identity(r)] = key
}

// removeLocked forgets the connection of key and its credential.
func (s *Server) removeLocked(k *kind, key string) {
	c := s.collections[k]
	if old := c.conns[key]; old != nil {
		delete(c.owners, k.identity(old))
		delete(c.conns, key)
	}
}

// setConnectionsLocked replaces every connection of k, and indexes their credentials.
func (s *Server) setConnectionsLocked(k *kind, conns map[string]*record) {
	s.collections[k] = &collection{conns: map[string]*record{}, owners: map[string]string{}}
	for key, r := range conns {
		if r == nil {
			continue
		}
		r.kind = k
		if r.Fields == nil {
			r.Fields = map[string]string{}
		}
		r.Fields[k.key] = key
		s.putLocked(key, r)
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
// create requires or refuses, so that every missing field is reported in one answer.
func (k *kind) decodeCreate(body []byte) (input, []detail) {
	in, details := k.decode(body)
	if details != nil {
		return in, details
	}
	if _, ok := in.values[fieldName]; !ok {
		details = append(details, required(fieldName))
	}
	for _, f := range k.fields {
		_, present := in.values[f.name]
		switch {
		case f.required && !present:
			details = append(details, required(f.name))
		case f.computed && present:
			details = append(details, detail{Field: f.name, Reason: "read_only",
				Message: "is read by Segura from the credential; leave it out of a create"})
		}
	}
	return in, append(details, in.validate()...)
}

// create connects what body describes: one connection per key and one per credential, the
// credential verified with its cloud first, and nothing stored when any of that fails.
func (s *Server) create(k *kind, w http.ResponseWriter, body []byte) {
	in, details := k.decodeCreate(body)
	if len(details) > 0 {
		writeValidation(w, details)
		return
	}
	status := statusActive
	if v, ok := in.values[fieldStatus]; ok {
		status = v
	}
	secrets := in.secrets()
	next := &record{kind: k, Fields: map[string]string{}, Name: in.values[fieldName], Tags: sortedTags(in.tags),
		Status: status, SecretHash: s.hashSecret(k.secretText(secrets))}
	for _, f := range k.fields {
		if v, ok := in.values[f.name]; ok && !f.secret {
			next.Fields[f.name] = f.canonical(v)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.collections[k]
	id := k.identity(next)
	key := next.key()
	if k.keyFromCredential {
		// A credential in use names its connection's key, which is this one's: the cloud
		// gives a credential's key, and one credential has one.
		key = c.owners[id]
	}
	if key != "" && c.conns[key] != nil {
		writeAlreadyConnected(w, k, key)
		return
	}
	if _, inUse := c.owners[id]; inUse {
		writeCredentialInUse(w, k)
		return
	}
	now := s.now()
	verified, fails := k.verify(s, next, secrets, now.Sub(s.started))
	if len(fails) > 0 {
		writeError(w, http.StatusUnprocessableEntity, k.codeConnectionFailed, k.cloud+" rejected the connection", fails...)
		return
	}
	if k.keyFromCredential {
		key = verified
		next.Fields[k.key] = key
		if c.conns[key] != nil {
			writeAlreadyConnected(w, k, key)
			return
		}
	}
	next.ConnectedAt, next.UpdatedAt, next.SyncStartedAt = now, now, now
	if status == statusInactive {
		next.FrozenSync = &syncState{State: syncPending}
	}
	s.putLocked(key, next)
	if err := s.saveLocked(); err != nil {
		s.removeLocked(k, key)
		writeError(w, http.StatusInternalServerError, codeInternal, "saving state: "+err.Error())
		return
	}
	w.Header().Set("Location", k.path+"/"+key)
	writeJSON(w, http.StatusCreated, s.view(next))
}

func (s *Server) handleGet(k *kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := k.canonKey(r.PathValue(k.key))
		s.mu.Lock()
		c := s.collections[k].conns[key]
		var v object
		if c != nil {
			v = s.view(c)
		}
		s.mu.Unlock()
		if c == nil {
			writeNotFound(w, k, key)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

func writeAlreadyConnected(w http.ResponseWriter, k *kind, key string) {
	writeError(w, http.StatusConflict, k.codeAlreadyConnected,
		"a connection for "+k.noun+" "+key+" already exists; import it or delete it first",
		detail{Field: k.key, Reason: "already_connected", Message: "is already connected"})
}

func writeCredentialInUse(w http.ResponseWriter, k *kind) {
	writeError(w, http.StatusConflict, k.codeCredentialInUse, "this "+k.credential+" already belongs to another connected "+k.short,
		detail{Field: k.inUse[0], Reason: "in_use", Message: "is used by another connected " + k.short})
}

func writeNotFound(w http.ResponseWriter, k *kind, key string) {
	writeError(w, http.StatusNotFound, codeNotFound, "no connection for "+k.noun+" "+key)
}

func (s *Server) handleUpdate(k *kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, ok := readBody(w, r)
		if !ok {
			return
		}
		key := k.canonKey(r.PathValue(k.key))
		in, details := k.decode(body)
		if details == nil {
			details = in.validate()
		}
		secrets := in.secrets()
		var secretHash []byte
		if len(secrets) > 0 && details == nil {
			secretHash = s.hashSecret(k.secretText(secrets))
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		c := s.collections[k]
		t := c.conns[key]
		if t == nil {
			writeNotFound(w, k, key)
			return
		}
		if details = append(details, k.updateRules(in, t, secretHash)...); len(details) > 0 {
			writeValidation(w, details)
			return
		}
		next := t.updated(in)
		if secretHash != nil {
			next.SecretHash = secretHash
		}
		if owner, ok := c.owners[k.identity(&next)]; ok && owner != key {
			writeCredentialInUse(w, k)
			return
		}
		credentialsChange := k.credentialChanged(t, &next)
		if credentialsChange {
			verified, fails := k.verify(s, &next, secrets, s.now().Sub(s.started))
			if len(fails) > 0 {
				writeError(w, http.StatusUnprocessableEntity, k.codeConnectionFailed, k.cloud+" rejected the connection", fails...)
				return
			}
			if k.keyFromCredential && verified != key {
				writeValidation(w, []detail{{Field: k.inUse[0], Reason: "other_account",
					Message: "belongs to " + k.noun + " " + verified + ", not to " + key + ": this connection takes credentials of " +
						key + " only; connect " + verified + " with a connection of its own"}})
				return
			}
		}
		now := s.now()
		s.resynchronize(t, &next, credentialsChange, now)
		if !sameRecord(&next, t) {
			next.UpdatedAt = now
		}
		s.putLocked(key, &next)
		if err := s.saveLocked(); err != nil {
			s.putLocked(key, t)
			writeError(w, http.StatusInternalServerError, codeInternal, "saving state: "+err.Error())
			return
		}
		writeJSON(w, http.StatusOK, s.view(&next))
	}
}

// updateRules are the PATCH rules that depend on the stored connection: the key cannot
// change, and a change of a field of a rule of together needs the rule's other fields.
func (k *kind) updateRules(in input, t *record, secretHash []byte) []detail {
	var details []detail
	if v, ok := in.values[k.key]; ok && k.canonKey(v) != t.key() {
		details = append(details, detail{Field: k.key, Reason: "immutable",
			Message: "cannot change; delete this connection and create another"})
	}
	for _, rule := range k.together {
		if !k.changes(in, t, rule.when, secretHash) {
			continue
		}
		for _, need := range rule.needs {
			if _, ok := in.values[need]; !ok {
				details = append(details, detail{Field: need, Reason: "required", Message: "is required when " + rule.when + " changes"})
			}
		}
	}
	return details
}

// changes reports whether in changes t's field name; a secret, by its hash.
func (k *kind) changes(in input, t *record, name string, secretHash []byte) bool {
	v, ok := in.values[name]
	if !ok {
		return false
	}
	f := k.field(name)
	if f.secret {
		return subtle.ConstantTimeCompare(secretHash, t.SecretHash) != 1
	}
	return f.canonical(v) != t.Fields[name]
}

// credentialChanged reports whether next differs from t in a field that is verified.
func (k *kind) credentialChanged(t, next *record) bool {
	for _, name := range k.verified {
		if k.field(name).secret {
			if subtle.ConstantTimeCompare(t.SecretHash, next.SecretHash) != 1 {
				return true
			}
		} else if t.Fields[name] != next.Fields[name] {
			return true
		}
	}
	return false
}

// updated is t with the fields of in that are present; the secrets are set apart.
func (t *record) updated(in input) record {
	next := *t
	next.Fields = maps.Clone(t.Fields)
	if v, ok := in.values[fieldName]; ok {
		next.Name = v
	}
	for _, f := range t.kind.fields {
		if v, ok := in.values[f.name]; ok && !f.secret && f.name != t.kind.key {
			next.Fields[f.name] = f.canonical(v)
		}
	}
	if in.tags != nil {
		next.Tags = sortedTags(in.tags)
	}
	if v, ok := in.values[fieldStatus]; ok {
		next.Status = v
	}
	return next
}

func sameRecord(a, b *record) bool {
	return a.Name == b.Name && maps.Equal(a.Fields, b.Fields) && slices.Equal(a.Tags, b.Tags) &&
		a.Status == b.Status && bytes.Equal(a.SecretHash, b.SecretHash)
}

func (s *Server) handleDelete(k *kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := k.canonKey(r.PathValue(k.key))
		s.mu.Lock()
		defer s.mu.Unlock()
		t := s.collections[k].conns[key]
		if t == nil {
			writeNotFound(w, k, key)
			return
		}
		s.removeLocked(k, key)
		if err := s.saveLocked(); err != nil {
			s.putLocked(key, t)
			writeError(w, http.StatusInternalServerError, codeInternal, "saving state: "+err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}
