package client

// Everything the wire contract names lives in this file: paths, headers, JSON field names (as
// struct tags), enumerations and error codes. Adapting to a server that differs from the
// contract is a change here and nowhere else. openapi.yaml describes the same contract.

import (
	"time"

	"github.com/segura/terraform-provider-segura/internal/azure"
)

// Paths, relative to the base URL.
const (
	pathToken        = "/oauth2/token"
	pathAPIBase      = "/api/cloud-entitlements/v1"
	pathAzureTenants = pathAPIBase + "/azure/tenants"
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
	CodeIdempotencyKeyInUse    = "idempotency_key_in_use"
	CodeAzureConnectionFailed  = "azure_connection_failed"
	CodeIdempotencyKeyReused   = "idempotency_key_reused"
	CodeRateLimited            = "rate_limited"
	CodeInternal               = "internal"
	CodeConnectionInactive     = "connection_inactive"
	CodeUnavailable            = "unavailable"
	// CodeInvalidClient is the OAuth 2.0 error of the token endpoint (RFC 6749 section 5.2).
	CodeInvalidClient = "invalid_client"
	// CodeNotATokenEndpoint is the client's own code, never the server's: the token URL
	// answered 404, 405, an HTML page or a 200 without a token, as no token endpoint does.
	CodeNotATokenEndpoint = "not_a_token_endpoint"
)

// Reasons of azure_connection_failed details. They are the words of package azure, which
// the pre-flight and the emulator use too, so that the three can never disagree.
const (
	ReasonInvalidClientSecret = azure.ReasonInvalidClientSecret
	ReasonApplicationNotFound = azure.ReasonApplicationNotFound
	ReasonTenantNotFound      = azure.ReasonTenantNotFound
	ReasonMissingPermissions  = azure.ReasonMissingPermissions
	ReasonMissingRole         = azure.ReasonMissingRole
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
)

// Limits of the contract's field rules, shared with plan-time validation.
const (
	NameMaxLength   = 128
	SecretMaxLength = 1024
	TagsMax         = 50
	TagMaxLength    = 64
)

// AzureTenant is a connection of an Azure tenant to Cloud Entitlements. It never holds the
// secret: the API does not return it.
type AzureTenant struct {
	TenantID        string          `json:"tenant_id"`
	Name            string          `json:"name"`
	ApplicationID   string          `json:"application_id"`
	IntegrationMode string          `json:"integration_mode"`
	Tags            []string        `json:"tags"`
	Status          string          `json:"status"`
	ConnectedAt     time.Time       `json:"connected_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
	Synchronization Synchronization `json:"synchronization"`
}

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

// CreateAzureTenantInput is the body of a create. Status is optional (default active).
type CreateAzureTenantInput struct {
	Name            string   `json:"name"`
	TenantID        string   `json:"tenant_id"`
	ApplicationID   string   `json:"application_id"`
	SecretValue     string   `json:"secret_value"`
	IntegrationMode string   `json:"integration_mode"`
	Tags            []string `json:"tags,omitempty"`
	Status          string   `json:"status,omitempty"`
}

// UpdateAzureTenantInput is the body of a PATCH: a nil field is left unchanged; a non-nil
// empty Tags clears the tags. Changing ApplicationID requires SecretValue.
type UpdateAzureTenantInput struct {
	Name            *string   `json:"name,omitempty"`
	ApplicationID   *string   `json:"application_id,omitempty"`
	SecretValue     *string   `json:"secret_value,omitempty"`
	IntegrationMode *string   `json:"integration_mode,omitempty"`
	Tags            *[]string `json:"tags,omitempty"`
	Status          *string   `json:"status,omitempty"`
}

// MaxPageSize is the largest page the API serves.
const MaxPageSize = 200

// ListAzureTenantsInput filters a list. Every tag in Tags must be present on a connection.
type ListAzureTenantsInput struct {
	Status          string
	IntegrationMode string
	Tags            []string
	// PageSize is the number of items a page, at most MaxPageSize; zero leaves the server's
	// default (50).
	PageSize  int
	PageToken string
}

// AzureTenantPage is one page of a list.
type AzureTenantPage struct {
	Items         []AzureTenant `json:"items"`
	NextPageToken string        `json:"next_page_token,omitempty"`
}

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
