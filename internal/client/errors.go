package client

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// APIError is an answer of the server that is not a success: the token endpoint's OAuth
// error or the API's error envelope.
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
	return b.String()
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

// TransportError is a request that got no answer from the server: connection refused, reset,
// timed out, or a response that could not be read. It is never an APIError.
type TransportError struct {
	Method string
	Path   string
	Err    error
	// Attempts is how many requests the call sent, retries included.
	Attempts int
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("%s %s: no answer from the server: %v", e.Method, e.Path, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// GiveUpError is a call that ended because its context did: canceled, as when Terraform asks
// the provider to stop (Interrupted), or past its deadline. Attempts requests were sent by
// then; Last is what the last one got (an *APIError or a *TransportError), nil when none was
// sent or the last succeeded.
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
	if e.Last != nil {
		s += "; the last got: " + e.Last.Error()
	}
	return s
}

// Unwrap gives errors.Is the context's error; the last answer is in Last, not in the chain,
// so that a call that gave up never passes for that answer (a 404, say).
func (e *GiveUpError) Unwrap() error { return e.Err }

// Sent reports whether err may have left a request on the server: any error but a
// *GiveUpError or *TransportError of a call that sent nothing. A caller that cannot know
// whether a create took effect asks again with the same Idempotency-Key.
func Sent(err error) bool {
	var gu *GiveUpError
	if errors.As(err, &gu) {
		return gu.Attempts > 0
	}
	var te *TransportError
	if errors.As(err, &te) {
		return te.Attempts > 0
	}
	return err != nil
}

// AsAPIError returns the APIError in err's chain, if any.
func AsAPIError(err error) (*APIError, bool) {
	var apiErr *APIError
	ok := errors.As(err, &apiErr)
	return apiErr, ok
}

// HasCode reports whether err is an APIError with that code.
func HasCode(err error, code string) bool {
	apiErr, ok := AsAPIError(err)
	return ok && apiErr.Code == code
}

// IsNotFound reports whether err says that no connection exists for the tenant.
func IsNotFound(err error) bool {
	apiErr, ok := AsAPIError(err)
	return ok && (apiErr.Code == CodeNotFound || (apiErr.Code == "" && apiErr.StatusCode == http.StatusNotFound))
}

// IsConflict reports whether err is a 409 with one of codes, or any 409 when codes is empty.
func IsConflict(err error, codes ...string) bool {
	apiErr, ok := AsAPIError(err)
	if !ok || apiErr.StatusCode != http.StatusConflict {
		return false
	}
	return len(codes) == 0 || slices.Contains(codes, apiErr.Code)
}

// AzureFailures returns the details of an azure_connection_failed error, or nil.
func AzureFailures(err error) []ErrorDetail {
	apiErr, ok := AsAPIError(err)
	if !ok || apiErr.Code != CodeAzureConnectionFailed {
		return nil
	}
	return apiErr.Details
}

// HasAzureFailure reports whether err is an azure_connection_failed error with that reason.
func HasAzureFailure(err error, reason string) bool {
	return slices.ContainsFunc(AzureFailures(err), func(d ErrorDetail) bool { return d.Reason == reason })
}
