package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/jonboulle/clockwork"

	"github.com/segura/terraform-provider-segura/internal/azure"
	"github.com/segura/terraform-provider-segura/internal/client"
)

// Backoff between propagation retries.
const (
	propagationFirstWait = time.Second
	propagationMaxWait   = 15 * time.Second
)

// propagationReason says why err may be Entra ID propagation, or "" when it is another error:
// a pre-flight Failure, or an azure_connection_failed whose every reason can propagate.
func propagationReason(err error) string {
	var f *azure.Failure
	if errors.As(err, &f) {
		if f.CanPropagate() {
			return f.Reason
		}
		return ""
	}
	details := client.AzureFailures(err)
	if len(details) == 0 {
		return ""
	}
	var reasons []string
	for _, d := range details {
		if !azure.Propagating(d.Reason) {
			return ""
		}
		reasons = append(reasons, d.Reason)
	}
	return strings.Join(reasons, ", ")
}

// propagationGaveUp is the last propagation error once the window has closed.
type propagationGaveUp struct {
	last   error
	tries  int
	waited time.Duration
	reason string
	// window is azure_propagation_timeout as set.
	window time.Duration
	// interrupted: Terraform asked the provider to stop during a wait.
	interrupted bool
}

func (e *propagationGaveUp) Error() string { return e.last.Error() }
func (e *propagationGaveUp) Unwrap() error { return e.last }

// propagationLogEvery is how often a wait for propagation says, at INFO, that it still waits.
const propagationLogEvery = 30 * time.Second

// untilPropagated runs op until it succeeds, fails for a reason other than Entra ID
// propagation, or the window (or what is left of ctx's deadline, if sooner) leaves no time for
// another try. It waits on clock, and says at INFO when the wait begins and every
// propagationLogEvery after, what it waits for and until when.
func untilPropagated(ctx context.Context, clock clockwork.Clock, window time.Duration, op func(context.Context) error) error {
	// A context's deadline is a wall-clock time: what is left of it is measured once, and the
	// tries and waits are counted on the clock from there.
	budget := window
	if deadline, ok := ctx.Deadline(); ok {
		budget = min(budget, time.Until(deadline))
	}
	start := clock.Now()
	until := start.Add(budget).UTC().Format("15:04:05 MST")
	var said time.Time
	wait := propagationFirstWait
	for try := 1; ; try++ {
		err := op(ctx)
		reason := propagationReason(err)
		if err == nil || reason == "" {
			return err
		}
		waited := clock.Since(start)
		if waited+wait > budget {
			if window == 0 {
				return err
			}
			return &propagationGaveUp{last: err, tries: try, waited: waited, reason: reason, window: window}
		}
		fields := map[string]any{"reason": reason, "try": try, "retry_in": wait.String(),
			"waited": waited.Round(time.Second).String(), "until": until}
		switch {
		case try == 1:
			tflog.Info(ctx, fmt.Sprintf("Waiting for Microsoft Entra ID to accept the credentials: Azure answered %s. "+
				"A secret, application, consent or role made in the last minutes takes a while to reach every Entra ID "+
				"server, and Terraform shows \"Still creating...\" or \"Still modifying...\" meanwhile. The provider tries "+
				"again until %s (azure_propagation_timeout, %s, or the resource's timeouts if sooner), then fails with "+
				"Azure's answer; azure_propagation_timeout = \"0s\" turns this wait off.", reason, until, durationText(window)), fields)
			said = clock.Now()
		case clock.Since(said) >= propagationLogEvery:
			tflog.Info(ctx, fmt.Sprintf("Still waiting for Microsoft Entra ID to accept the credentials: Azure answered "+
				"%s on try %d, %s after the first; trying until %s.", reason, try, waited.Round(time.Second), until), fields)
			said = clock.Now()
		default:
			tflog.Debug(ctx, "Entra ID propagation: trying again", fields)
		}
		select {
		case <-ctx.Done():
			return &propagationGaveUp{last: err, tries: try, waited: clock.Since(start), reason: reason,
				interrupted: errors.Is(ctx.Err(), context.Canceled)}
		case <-clock.After(wait):
		}
		wait = min(wait*2, propagationMaxWait)
	}
}

// addOperationError turns an error of a create or update into diagnostics: a pre-flight
// Failure or an API error, one diagnostic per cause. When propagation retries gave up, the
// cause's own diagnostic says what was retried and how to wait longer.
func addOperationError(diags *diag.Diagnostics, action action, err error) {
	var gaveUp *propagationGaveUp
	if errors.As(err, &gaveUp) && gaveUp.interrupted {
		diags.AddError("Interrupted",
			fmt.Sprintf("Could not %s: Terraform was asked to stop while the provider waited for Microsoft Entra ID to "+
				"propagate the credentials (Azure answered %s, %d tries). Segura connected nothing. Run the same "+
				"command again to finish.", action, gaveUp.reason, gaveUp.tries))
		return
	}
	var causes diag.Diagnostics
	var f *azure.Failure
	if errors.As(err, &f) {
		field, summary, detail := explainAzureFailure(client.ErrorDetail{Reason: f.Reason, Missing: f.Missing})
		if f.NotGranted {
			detail += "\n\nMicrosoft Graph lists no app role assignment of the application for them: they were never " +
				"granted, so the provider did not wait for Entra ID to propagate them."
		}
		detail += "\n\nFound by the Azure pre-flight check before anything was sent to Segura (azure_preflight)."
		addAttributeError(&causes, field, summary, detail)
	} else {
		addAPIError(&causes, action, err)
	}
	if gaveUp != nil && gaveUp.window > 0 {
		causes = withWaited(causes, fmt.Sprintf("\n\nThe provider waited for Microsoft Entra ID to propagate it: Azure "+
			"still answered %s after %d tries over %s. If this is not a mistake, wait longer: raise "+
			"azure_propagation_timeout in the provider (SEGURA_AZURE_PROPAGATION_TIMEOUT), now %s, and, if needed, "+
			"the resource's timeouts.", gaveUp.reason, gaveUp.tries, gaveUp.waited.Round(time.Second), durationText(gaveUp.window)))
	}
	diags.Append(causes...)
}

// withWaited adds note to the detail of each error of diags.
func withWaited(diags diag.Diagnostics, note string) diag.Diagnostics {
	out := make(diag.Diagnostics, 0, len(diags))
	for _, d := range diags {
		if withPath, ok := d.(diag.DiagnosticWithPath); ok {
			out = append(out, diag.NewAttributeErrorDiagnostic(withPath.Path(), d.Summary(), d.Detail()+note))
		} else {
			out = append(out, diag.NewErrorDiagnostic(d.Summary(), d.Detail()+note))
		}
	}
	return out
}
