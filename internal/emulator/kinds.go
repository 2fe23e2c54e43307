package emulator

import (
	"reflect"
	"strconv"
	"strings"
	"time"
)

// kind describes one kind of connection of the contract: only what differs between an Azure
// tenant and an AWS account. The rules that every kind shares live once, in the store
// (connections.go): the create with its Idempotency-Key (idempotency.go), one connection per
// key, a credential held by one connection only, get, PATCH, delete, reprocess and
// synchronization (synchronization.go), the list with its paging and filters (list.go), the
// common fields' rules (validate.go) and the state file (state.go).
type kind struct {
	// path is the collection's path; a connection's is path/{key}.
	path string
	// stateName names the kind's connections in the state file; Azure's "tenants", where state
	// files have always held them.
	stateName string
	// noun names what a key is of, in messages: "Azure tenant"; short is its last word.
	noun, short string
	// cloud names the cloud that verifies credentials, in messages: "Azure".
	cloud string
	// key is the wire name of the key field, which must be one of fields.
	key string
	// keyFromCredential: a create does not send the key; verify reads it from the credential
	// (an AWS account's ID, from its access key). Otherwise a create's key field is the key.
	keyFromCredential bool
	// fields are the kind's own fields (the key's included), in the contract's order, which is
	// the order of validation details and, secrets apart, of the object.
	fields []field
	// inUse are the fields that identify a credential: two connections never hold the same.
	// A secret field among them stands for its hash. credential names it in messages.
	inUse      []string
	credential string
	// together: a PATCH that changes the field of a rule must carry the rule's other fields.
	together []together
	// verified are the fields whose change a PATCH verifies with the cloud first, and which
	// restart synchronization (a new credential).
	verified []string
	// Error codes: the key already has a connection; the credential belongs to another one;
	// the cloud refused the credential.
	codeAlreadyConnected, codeCredentialInUse, codeConnectionFailed string
	// verify checks next's credential with the cloud, elapsed after the emulator started, with
	// the secrets the request carried (none when only other verified fields change). It
	// returns the key read from the credential (keyFromCredential) and the refusals as the
	// contract's details; it may record in next what later runs check again.
	verify func(s *Server, next *record, secrets map[string]string, elapsed time.Duration) (key string, fails []detail)
	// synchronize is a synchronization run of r that ends elapsed after the emulator started:
	// the contract's reason it fails and a message, or two empty strings.
	synchronize func(s *Server, r *record, elapsed time.Duration) (reason, message string)

	// body is the struct type that a request body is decoded into (see decode).
	body reflect.Type
}

// field is one of a kind's own fields.
type field struct {
	name string
	// check is the field's rule; it returns the details of a value it refuses.
	check func(v string) []detail
	// canon is the form in which the value is stored and returned; nil keeps it as sent.
	canon func(string) string
	// secret fields are write-only: kept as a hash only, never returned.
	secret bool
	// required by a create.
	required bool
	// computed fields are not sent by a create (the key read from the credential).
	computed bool
	// filter: the list accepts the field as a query parameter that items must equal.
	filter bool
}

// together is a rule of PATCH: a change of when needs the fields of needs in the same body.
type together struct {
	when  string
	needs []string
}

// Field names that every kind shares.
const (
	fieldName   = "name"
	fieldTags   = "tags"
	fieldStatus = "status"
)

// newKind completes a kind's description with the type its bodies are decoded into: a struct
// of a *string for each field, name and status, and *[]string for tags, so that decoding is
// encoding/json's own, with its errors.
func newKind(k kind) *kind {
	str, list := reflect.TypeFor[*string](), reflect.TypeFor[*[]string]()
	sf := []reflect.StructField{{Name: "F0", Type: str, Tag: `json:"` + fieldName + `"`}}
	for _, f := range k.fields {
		sf = append(sf, reflect.StructField{Name: "F" + strconv.Itoa(len(sf)), Type: str, Tag: reflect.StructTag(`json:"` + f.name + `"`)})
	}
	sf = append(sf,
		reflect.StructField{Name: "F" + strconv.Itoa(len(sf)), Type: list, Tag: `json:"` + fieldTags + `"`},
		reflect.StructField{Name: "F" + strconv.Itoa(len(sf)+1), Type: str, Tag: `json:"` + fieldStatus + `"`})
	k.body = reflect.StructOf(sf)
	return &k
}

// field returns the description of the kind's field name, or nil.
func (k *kind) field(name string) *field {
	for i := range k.fields {
		if k.fields[i].name == name {
			return &k.fields[i]
		}
	}
	return nil
}

// canonKey is the key as stored, from a key in any form the kind accepts (a path's).
func (k *kind) canonKey(v string) string {
	if c := k.field(k.key).canon; c != nil {
		return c(v)
	}
	return v
}

// validKey reports whether v is a key of the kind's form.
func (k *kind) validKey(v string) bool { return len(k.field(k.key).check(v)) == 0 }

// routes are the kind's routes, as Counts and faults name them.
func (k *kind) itemPattern() string      { return k.path + "/{" + k.key + "}" }
func (k *kind) reprocessPattern() string { return k.itemPattern() + "/reprocess" }

// kinds are the kinds of connection the emulator serves.
var kinds = []*kind{azureTenants, awsAccounts}

// secretText is what the hash of a connection's secrets is taken of: the values of the kind's
// secret fields, in order.
func (k *kind) secretText(secrets map[string]string) string {
	var parts []string
	for _, f := range k.fields {
		if v, ok := secrets[f.name]; ok && f.secret {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, "\x00")
}

// identity is what identifies r's credential among the kind's connections.
func (k *kind) identity(r *record) string {
	var parts []string
	for _, name := range k.inUse {
		if k.field(name).secret {
			parts = append(parts, string(r.SecretHash))
		} else {
			parts = append(parts, r.Fields[name])
		}
	}
	return strings.Join(parts, "\x00")
}
