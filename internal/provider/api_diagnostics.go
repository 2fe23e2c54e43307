package provider

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/segura/terraform-provider-segura/internal/client"
	"github.com/segura/terraform-provider-segura/internal/redact"
)

// attributeOf is the attribute of the resource that sets a field of the API: the attribute of
// the same name, shared or of a kind; false for a field that no attribute sets (page_size).
func attributeOf(field string) (path.Path, bool) {
	switch field {
	case client.FieldName, client.FieldTags, client.FieldStatus:
		return path.Root(field), true
	}
	for _, k := range kinds {
		if _, ok := k.attributes()[field]; ok {
			return path.Root(field), true
		}
	}
	return path.Path{}, false
}

// action is what a diagnostic says was attempted: a verb with the kind's words ("connect
// Azure tenant", made by kind.act) and, when the action concerns one connection, its key.
type action struct{ verb, key string }

func (a action) String() string {
	if a.key == "" {
		return a.verb
	}
	return a.verb + " " + a.key
}

// summaryAlreadyConnected titles the refusal of a connection that already exists.
func (k *kind) summaryAlreadyConnected() string { return k.what + " already connected" }

// alreadyConnected says what to do about a create of a connection that already exists.
func (k *kind) alreadyConnected(key string) string {
	return fmt.Sprintf("Cloud Entitlements already has a connection for %[2]s %[1]s, and allows one per %[4]s.\n\n"+
		"If another segura_%[3]s in this configuration has the same %[5]s, keep only one of them. "+
		"Otherwise bring the existing connection under Terraform instead of creating it:\n\n"+
		"    terraform import segura_%[3]s.<resource name> %[1]s\n\n"+
		"or, in configuration:\n\n"+
		"    import {\n      to = segura_%[3]s.<resource name>\n      id = \"%[1]s\"\n    }\n\n"+
		"With Terraform 1.14 and later, `terraform query -generate-config-out=FILE` with a list block of "+
		"segura_%[3]s writes the import and resource blocks of every existing connection.", key, k.what, k.typeName, k.noun, k.key)
}

// addAPIError turns an error of the client into one diagnostic per cause that says what to
// do. Texts are masked where they leave, by maskDiagnostics.
func addAPIError(diags *diag.Diagnostics, action action, err error) {
	var gu *client.GiveUpError
	var invalid *client.InvalidAnswerError
	var tokenErr *client.TokenError
	var te *client.TransportError
	apiErr, isAPI := client.AsAPIError(err)
	title, detail, final := client.Unmendable(err)
	switch {
	case final:
		diags.AddError(title, fmt.Sprintf("Could not %s: %s No retry can mend this, so none was made.", action, detail))
	case errors.As(err, &gu):
		addGiveUp(diags, action, gu)
	case errors.As(err, &invalid):
		diags.AddError("Segura sent an answer that cannot be used",
			fmt.Sprintf("Could not %s: %s. Nothing was taken from that answer: the state keeps what it had. "+
				"If it persists, report it to Segura with the request ID.%s", action, invalid.Problem, requestRef(invalid.RequestID)))
	case errors.As(err, &tokenErr):
		addTokenError(diags, action, tokenErr)
	case errors.As(err, &te):
		tries := ""
		if te.Attempts > 0 {
			tries = " " + attemptsText(te.Attempts)
		}
		diags.AddError("Segura API unreachable",
			fmt.Sprintf("Could not %s: no answer%s: %v.\n\nCheck the provider's url (SEGURA_URL) and the network.",
				action, tries, te.Err))
	case isAPI:
		addAnswerError(diags, action, apiErr)
	default:
		diags.AddError("Could not "+action.String(), err.Error())
	}
}

func requestRef(id string) string {
	if id == "" {
		return ""
	}
	return "\n\nRequest ID: " + id
}

// addAttributeError adds a diagnostic on the attribute that sets field, or on the resource.
func addAttributeError(diags *diag.Diagnostics, field, summary, detail string) {
	if p, ok := attributeOf(field); ok {
		diags.AddAttributeError(p, summary, detail)
	} else {
		diags.AddError(summary, detail)
	}
}

// addTokenError explains a token request that gave no token. It says nothing of a tenant:
// the token endpoint's error codes are its own.
func addTokenError(diags *diag.Diagnostics, action action, e *client.TokenError) {
	ref := requestRef(e.RequestID)
	switch {
	case e.Code == client.CodeNotATokenEndpoint:
		diags.AddError("Not a token endpoint",
			fmt.Sprintf("Could not %s: the provider asked %s for an access token and got %d (%s), which is not an "+
				"OAuth 2.0 token endpoint's answer. Set url to the base URL of Segura alone, such as "+
				"https://acme.segura.security, with no path: the provider adds /oauth2/token and "+
				"/api/cloud-entitlements/v1 itself. If the token endpoint is elsewhere, set token_url "+
				"(SEGURA_TOKEN_URL).%s", action, e.URL, e.StatusCode, e.Description, ref))
	case e.Refused():
		diags.AddError("Segura refused the credentials",
			fmt.Sprintf("Could not %s: the token endpoint %s refused client_id %q: %d %s: %s. Check the provider's "+
				"client_id and client_secret (SEGURA_CLIENT_ID, SEGURA_CLIENT_SECRET) and, if set, token_url "+
				"(SEGURA_TOKEN_URL).%s", action, e.URL, e.ClientID, e.StatusCode, e.Code, e.Description, ref))
	case e.Err != nil:
		diags.AddError("Segura token endpoint unreachable",
			fmt.Sprintf("Could not %s: no answer from the token endpoint %s %s: %v.\n\nCheck the provider's url "+
				"(SEGURA_URL), token_url (SEGURA_TOKEN_URL) if set, and the network.", action, e.URL, attemptsText(e.Attempts), e.Err))
	default:
		diags.AddError("Segura token endpoint failed",
			fmt.Sprintf("Could not %s: the token endpoint %s answered %d %s: %s %s.%s Try again later.%s",
				action, e.URL, e.StatusCode, e.Code, e.Description, attemptsText(e.Attempts), retriesHint(e.StatusCode), ref))
	}
}

// addAnswerError explains an answer of the API that is not a success.
func addAnswerError(diags *diag.Diagnostics, action action, apiErr *client.APIError) {
	ref := requestRef(apiErr.RequestID)
	for _, k := range kinds {
		// Each kind's own refusals have codes of their own.
		if apiErr.Code == k.codeAlreadyConnected {
			key := action.key
			if key == "" && k.keyInRefusal != nil {
				key = k.keyInRefusal(apiErr.Message)
			}
			addAttributeError(diags, k.key, k.summaryAlreadyConnected(), k.alreadyConnected(key)+ref)
			return
		}
		if k.explainVerdict(diags, action, apiErr, ref) {
			return
		}
	}
	switch apiErr.Code {
	case client.CodeValidationFailed:
		if len(apiErr.Details) == 0 {
			diags.AddError("Segura refused the request", fmt.Sprintf("Could not %s: %s%s", action, apiErr.Message, ref))
		}
		for _, d := range apiErr.Details {
			addAttributeError(diags, d.Field, "Invalid "+d.Field, fmt.Sprintf("Segura refused %s (%s): %s%s", d.Field, d.Reason, d.Message, ref))
		}
	case client.CodeNotFound:
		diags.AddError("Connection not found",
			fmt.Sprintf("Could not %s: the connection no longer exists in Cloud Entitlements; it was probably "+
				"deleted outside Terraform. Run terraform apply again to connect it anew.%s", action, ref))
	case client.CodeForbidden:
		diags.AddError("Not allowed",
			fmt.Sprintf("Could not %s: the service account of client_id lacks the Cloud Entitlements administrator "+
				"role. Grant it the role in Segura, or use another service account.%s", action, ref))
	case client.CodeUnauthorized:
		diags.AddError("Segura refused the credentials",
			fmt.Sprintf("Could not %s: the API refused a fresh access token (%s). Check the provider's client_id and "+
				"client_secret (SEGURA_CLIENT_ID, SEGURA_CLIENT_SECRET) and, if set, token_url.%s", action, apiErr.Message, ref))
	default:
		diags.AddError("Segura API error",
			fmt.Sprintf("Could not %s: %d %s: %s, %s.%s%s", action, apiErr.StatusCode, apiErr.Code, apiErr.Message,
				attemptsText(apiErr.Attempts), retriesHint(apiErr.StatusCode), ref))
	}
}

// retriesHint is the advice for an answer that retries may mend (429, 500, 502, 503, 504)
// when max_retries stopped them before the operation's deadline did.
func retriesHint(status int) string {
	switch status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return " max_retries (SEGURA_MAX_RETRIES) ended its retries before the operation's deadline: try again " +
			"later, or raise or unset max_retries."
	}
	return ""
}

// attemptsText says how many requests a call sent, without claiming a retry that did not
// happen.
func attemptsText(n int) string {
	switch n {
	case 0:
		return "before any request was sent"
	case 1:
		return "after 1 attempt"
	}
	return fmt.Sprintf("after %d attempts", n)
}

// addGiveUp explains a call that ended with its context: interrupted, or past the deadline.
func addGiveUp(diags *diag.Diagnostics, action action, gu *client.GiveUpError) {
	last := ""
	if gu.Last != nil {
		last = "\n\nThe last answer: " + gu.Last.Error() + "."
	}
	if gu.Interrupted {
		diags.AddError("Interrupted",
			fmt.Sprintf("Could not %s: Terraform was asked to stop (an interrupt, or another resource's failure) %s. "+
				"Nothing that Segura did not confirm was saved in state. Run the same command again to finish: "+
				"a create that reached Segura is replayed and adopted, never duplicated.%s",
				action, attemptsText(gu.Attempts), last))
		return
	}
	diags.AddError("Segura did not answer in time",
		fmt.Sprintf("Could not %s: the operation's deadline came %s. Requests that got a 429, a 5xx or no answer are "+
			"retried until then: raise the resource's timeouts to wait longer, or try again later.%s",
			action, attemptsText(gu.Attempts), last))
}

// maskDiagnostics replaces every secret in the texts of diags, whatever put it there: a server
// that echoed a request, or an error of another library. Each operation defers it with the
// secrets it handles.
func maskDiagnostics(diags *diag.Diagnostics, secrets ...string) {
	var kept []string
	for _, s := range secrets {
		if s != "" {
			kept = append(kept, s)
		}
	}
	if len(kept) == 0 || len(*diags) == 0 {
		return
	}
	maskText := func(text string) string { return redact.Mask(text, kept...) }
	masked := make(diag.Diagnostics, 0, len(*diags))
	for _, d := range *diags {
		summary, detail := maskText(d.Summary()), maskText(d.Detail())
		withPath, hasPath := d.(diag.DiagnosticWithPath)
		switch {
		case hasPath && d.Severity() == diag.SeverityError:
			masked = append(masked, diag.NewAttributeErrorDiagnostic(withPath.Path(), summary, detail))
		case hasPath:
			masked = append(masked, diag.NewAttributeWarningDiagnostic(withPath.Path(), summary, detail))
		case d.Severity() == diag.SeverityError:
			masked = append(masked, diag.NewErrorDiagnostic(summary, detail))
		default:
			masked = append(masked, diag.NewWarningDiagnostic(summary, detail))
		}
	}
	*diags = masked
}
