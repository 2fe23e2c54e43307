package client

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/segura/terraform-provider-segura/internal/redact"
)

// The errors of the client keep what the server sent, so that callers decide on the real
// code, reason and field. Their texts, made by Error(), mask every secret that the call sent
// (a server, or a proxy in front of it, may echo a request in its error answer).

// APIError is an answer of the API that is not a success: its error envelope, or a 3xx.
type APIError struct {
	Method     string
	Path       string
	StatusCode int
	Code       string
	Message    string
	RequestID  string
	Details    []ErrorDetail
	// Attempts is how many requests the call sent, retries included.
	Attempts int
	secrets  []string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.Path, e.StatusCode, e.Code)
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	for _, d := range e.Details {
		b.WriteString("; ")
		b.WriteString(d.String())
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request ID %s)", e.RequestID)
	}
	return redact.Mask(b.String(), e.secrets...)
}

func (d ErrorDetail) String() string {
	var parts []string
	if d.Field != "" {
		parts = append(parts, d.Field)
	}
	if d.Reason != "" {
		parts = append(parts, d.Reason)
	}
	s := strings.Join(parts, " ")
	if d.Message != "" {
		s += ": " + d.Message
	}
	if len(d.Missing) > 0 {
		s += " (missing: " + strings.Join(d.Missing, ", ") + ")"
	}
	return s
}

// TokenError is a token request that gave no access token: the token endpoint refused the
// client credentials (Code is its OAuth 2.0 error code), answered as no token endpoint does
// (CodeNotATokenEndpoint), or did not answer (Err). It is never an *APIError: the token
// endpoint's codes say nothing about a tenant.
type TokenError struct {
	// URL is the token endpoint; ClientID, the client that asked.
	URL         string
	ClientID    string
	StatusCode  int
	Code        string
	Description string
	RequestID   string
	Attempts    int
	Err         error
	secrets     []string
}

func (e *TokenError) Error() string {
	s := fmt.Sprintf("token request of client %s to %s: ", e.ClientID, e.URL)
	if e.Err != nil {
		s += transportText(e.Err, e.URL, tokenSetting)
	} else {
		s += fmt.Sprintf("%d %s: %s", e.StatusCode, e.Code, e.Description)
	}
	if e.RequestID != "" {
		s += fmt.Sprintf(" (request ID %s)", e.RequestID)
	}
	return redact.Mask(s, e.secrets...)
}

func (e *TokenError) Unwrap() error { return e.Err }

// Refused reports whether the token endpoint answered with an OAuth 2.0 refusal (a 4xx other
// than 429), which the credentials or the token URL must mend, not a retry.
func (e *TokenError) Refused() bool {
	return e.Err == nil && e.StatusCode >= 400 && e.StatusCode < 500 && e.StatusCode != http.StatusTooManyRequests
}

// TransportError is a request that got no usable answer from the server: connection refused,
// reset, timed out, an answer that could not be read, or a failure that no retry mends (TLS,
// certificates, plain HTTP to https://; see Unmendable). It is never an APIError.
type TransportError struct {
	Method string
	Path   string
	// URL is where the request went, without its query.
	URL string
	Err error
	// Attempts is how many requests the call sent, retries included.
	Attempts int
	secrets  []string
}

func (e *TransportError) Error() string {
	return redact.Mask(fmt.Sprintf("%s %s: %s", e.Method, e.Path, transportText(e.Err, e.URL, apiSetting)), e.secrets...)
}

// Where a user gives the address of a request, for advice.
const (
	apiSetting   = "url (SEGURA_URL)"
	tokenSetting = "url (SEGURA_URL), or token_url (SEGURA_TOKEN_URL) if set"
)

// transportText says what a request to address got instead of an answer, and what to change
// when no retry can mend it.
func transportText(err error, address, setting string) string {
	if title, advice, final := explainFinal(address, setting, err); final {
		return fmt.Sprintf("%s: %v. %s", title, err, advice)
	}
	return "no answer from the server: " + err.Error()
}

func (e *TransportError) Unwrap() error { return e.Err }

// GiveUpError is a call that ended because its context did: canceled, as when Terraform asks
// the provider to stop (Interrupted), or past its deadline. Attempts requests were sent by
// then; Last is what the last one got (an *APIError, *TransportError or *TokenError), nil
// when none was sent or the last succeeded.
type GiveUpError struct {
	Method      string
	Path        string
	Attempts    int
	Interrupted bool
	Last        error
	// Err is the context's error: context.Canceled or context.DeadlineExceeded.
	Err error
}

func (e *GiveUpError) Error() string {
	why := "reached its deadline"
	if e.Interrupted {
		why = "was interrupted"
	}
	s := fmt.Sprintf("%s %s %s after %d attempts", e.Method, e.Path, why, e.Attempts)
	if e.Attempts == 0 {
		s = fmt.Sprintf("%s %s %s before any request was sent", e.Method, e.Path, why)
	}
	if e.Last != nil {
		s += "; the last got: " + e.Last.Error()
	}
	return s
}

// Unwrap gives errors.Is the context's error; the last answer is in Last, not in the chain,
// so that a call that gave up never passes for that answer (a 404, say).
func (e *GiveUpError) Unwrap() error { return e.Err }

// InvalidAnswerError is a success answer that breaks the contract (see answers.go).
type InvalidAnswerError struct {
	Method    string
	Path      string
	RequestID string
	Problem   string
	secrets   []string
}

func (e *InvalidAnswerError) Error() string {
	s := fmt.Sprintf("%s %s: the answer breaks the API contract: %s", e.Method, e.Path, e.Problem)
	if e.RequestID != "" {
		s += fmt.Sprintf(" (request ID %s)", e.RequestID)
	}
	return redact.Mask(s, e.secrets...)
}

// AsAPIError returns the APIError in err's chain, if any.
func AsAPIError(err error) (*APIError, bool) {
	var apiErr *APIError
	ok := errors.As(err, &apiErr)
	return apiErr, ok
}

// IsNotFound reports whether err says that no connection exists for the tenant.
func IsNotFound(err error) bool {
	apiErr, ok := AsAPIError(err)
	return ok && (apiErr.Code == CodeNotFound || (apiErr.Code == "" && apiErr.StatusCode == http.StatusNotFound))
}

// AzureFailures returns the details of an azure_connection_failed error, or nil.
func AzureFailures(err error) []ErrorDetail {
	apiErr, ok := AsAPIError(err)
	if !ok || apiErr.Code != CodeAzureConnectionFailed {
		return nil
	}
	return apiErr.Details
}
