package client

// Everything the wire contract names lives in this file: paths, headers, JSON field names (as
// struct tags), enumerations and error codes. Adapting to a server that differs from the
// contract is a change here and nowhere else. openapi.yaml describes the same contract.

import "time"

// Paths, relative to the base URL.
const (
	pathToken   = "/oauth2/token"
	pathAPIBase = "/api/cloud-entitlements/v1"
	// pathReprocess follows a connection's path.
	pathReprocess = "/reprocess"
)

// Headers.
const (
	headerRequestID      = "X-Request-Id"
	headerIdempotencyKey = "Idempotency-Key"
	headerReplayed       = "Idempotent-Replayed"
	headerRetryAfter     = "Retry-After"
)

// Query parameters of the list operation.
const (
	queryPageSize        = "page_size"
	queryPageToken       = "page_token"
	queryStatus          = "status"
	queryIntegrationMode = "integration_mode"
	queryTag             = "tag"
)

// Status values of a connection (the Status toggle of the product).
const (
	StatusActive   = "active"
	StatusInactive = "inactive"
)

// Error codes of the API.
const (
	CodeValidationFailed       = "validation_failed"
	CodeUnauthorized           = "unauthorized"
	CodeForbidden              = "forbidden"
	CodeNotFound               = "not_found"
	CodeTenantAlreadyConnected = "tenant_already_connected"
	CodeSecretInUse            = "secret_in_use"
	// CodeAlreadyConnected and CodeCredentialInUse are the other kinds' conflicts: what the
	// key names has a connection; the credential belongs to another connection.
	CodeAlreadyConnected      = "already_connected"
	CodeCredentialInUse       = "credential_in_use"
	CodeAWSConnectionFailed   = "aws_connection_failed"
	CodeIdempotencyKeyInUse   = "idempotency_key_in_use"
	CodeAzureConnectionFailed = "azure_connection_failed"
	CodeIdempotencyKeyReused  = "idempotency_key_reused"
	CodeRateLimited           = "rate_limited"
	CodeInternal              = "internal"
	CodeConnectionInactive    = "connection_inactive"
	CodeUnavailable           = "unavailable"
	// CodeInvalidClient is the OAuth 2.0 error of the token endpoint (RFC 6749 section 5.2).
	CodeInvalidClient = "invalid_client"
	// CodeNotATokenEndpoint is the client's own code, never the server's: the token URL
	// answered 404, 405, an HTML page or a 200 without a token, as no token endpoint does.
	CodeNotATokenEndpoint = "not_a_token_endpoint"
)

// Reasons of the connection_failed details of each cloud.
const (
	ReasonInvalidClientSecret = "invalid_client_secret"
	ReasonApplicationNotFound = "application_not_found"
	ReasonTenantNotFound      = "tenant_not_found"
	ReasonMissingPermissions  = "missing_permissions"
	ReasonMissingRole         = "missing_role"
	ReasonInvalidAccessKey    = "invalid_access_key"
	ReasonMissingPolicy       = "missing_policy"
	// ReasonOtherAccount is a validation_failed reason: new credentials of another account.
	ReasonOtherAccount = "other_account"
)

// Field names, for matching error details to attributes.
const (
	FieldName            = "name"
	FieldTenantID        = "tenant_id"
	FieldApplicationID   = "application_id"
	FieldSecretValue     = "secret_value"
	FieldIntegrationMode = "integration_mode"
	FieldTags            = "tags"
	FieldStatus          = "status"
	FieldAccountID       = "account_id"
	FieldAccessKeyID     = "access_key_id"
	FieldSecretAccessKey = "secret_access_key"
)

// Limits of the contract's field rules, shared with plan-time validation.
const (
	NameMaxLength   = 128
	SecretMaxLength = 1024
	TagsMax         = 10
	TagMaxLength    = 64
)

// Synchronization is the read-only state of the analysis of a connected tenant.
type Synchronization struct {
	State     string     `json:"state"`
	LastRunAt *time.Time `json:"last_run_at,omitempty"`
	// NextRunAt is when the next run starts; nil while inactive.
	NextRunAt *time.Time `json:"next_run_at,omitempty"`
	// Reason is why a failed run failed (SyncReason...), "" otherwise.
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message"`
}

// States of a synchronization.
const (
	SyncPending   = "pending"
	SyncRunning   = "running"
	SyncSucceeded = "succeeded"
	SyncFailed    = "failed"
)

// Reasons of a failed synchronization.
const (
	SyncReasonInvalidCredentials = "invalid_credentials"
	SyncReasonMissingPermissions = "missing_permissions"
	SyncReasonMissingRole        = "missing_role"
	SyncReasonInternal           = "internal"
)

// MaxPageSize is the largest page the API serves.
const MaxPageSize = 200

// errorEnvelope is the body of every non-2xx API response.
type errorEnvelope struct {
	Error struct {
		Code      string        `json:"code"`
		Message   string        `json:"message"`
		RequestID string        `json:"request_id"`
		Details   []ErrorDetail `json:"details"`
	} `json:"error"`
}

// ErrorDetail is one detail of an API error: a field and why it was refused, or, for
// azure_connection_failed, a reason and the missing permissions or roles.
type ErrorDetail struct {
	Field   string   `json:"field,omitempty"`
	Reason  string   `json:"reason,omitempty"`
	Message string   `json:"message,omitempty"`
	Missing []string `json:"missing,omitempty"`
}
