package client

import (
	"encoding/json"
	"errors"
	"strings"
)

// A server, or a proxy in front of it, may echo a request in its error answer. The client
// masks every secret it sent, in every error it returns, so that no caller can show one:
// the client secret, and the values of the sensitive fields of the request's body.

// maskedText is what stands for a secret in error texts.
const maskedText = "(redacted)"

// secretsOf are the secrets a call sends: the client secret and the sensitive fields of body.
func (c *Client) secretsOf(body []byte) []string {
	secrets := []string{string(c.keySecret)}
	var v any
	if json.Unmarshal(body, &v) == nil {
		secrets = append(secrets, sensitiveValues(v)...)
	}
	return secrets
}

// sensitiveValues are the string values of sensitive fields in a decoded JSON value.
func sensitiveValues(v any) []string {
	var out []string
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if s, ok := val.(string); ok && isSensitive(k) {
				out = append(out, s)
			} else {
				out = append(out, sensitiveValues(val)...)
			}
		}
	case []any:
		for _, val := range t {
			out = append(out, sensitiveValues(val)...)
		}
	}
	return out
}

// mask replaces every secret in s. Should a secret still appear (one that overlaps the mask's
// own text), the whole text is withheld, and given as empty if even that note holds a secret.
func mask(s string, secrets []string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, maskedText)
		}
	}
	if !holdsAny(s, secrets) {
		return s
	}
	if note := maskedText + " (withheld: the text held a secret)"; !holdsAny(note, secrets) {
		return note
	}
	return ""
}

func holdsAny(s string, secrets []string) bool {
	for _, secret := range secrets {
		if secret != "" && strings.Contains(s, secret) {
			return true
		}
	}
	return false
}

// maskedError is an error whose text had secrets masked; it keeps the original for errors.Is.
type maskedError struct {
	text string
	err  error
}

func (e *maskedError) Error() string { return e.text }
func (e *maskedError) Unwrap() error { return e.err }

// maskError masks secrets in every text of err that the client made: API errors (messages,
// details, Location), transport errors, and the last answer of a call that gave up.
func maskError(err error, secrets []string) error {
	var apiErr *APIError
	var te *TransportError
	var gu *GiveUpError
	var invalid *InvalidAnswerError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &invalid):
		invalid.Problem = mask(invalid.Problem, secrets)
		invalid.RequestID = mask(invalid.RequestID, secrets)
		return err
	case errors.As(err, &apiErr):
		apiErr.Message = mask(apiErr.Message, secrets)
		apiErr.Code = mask(apiErr.Code, secrets)
		apiErr.RequestID = mask(apiErr.RequestID, secrets)
		for i, d := range apiErr.Details {
			apiErr.Details[i] = ErrorDetail{Field: mask(d.Field, secrets), Reason: mask(d.Reason, secrets),
				Message: mask(d.Message, secrets), Missing: d.Missing}
			for j, m := range d.Missing {
				apiErr.Details[i].Missing[j] = mask(m, secrets)
			}
		}
		return err
	case errors.As(err, &gu):
		gu.Last = maskError(gu.Last, secrets)
		return err
	case errors.As(err, &te):
		if te.Err != nil {
			te.Err = &maskedError{text: mask(te.Err.Error(), secrets), err: te.Err}
		}
		return err
	}
	return &maskedError{text: mask(err.Error(), secrets), err: err}
}
