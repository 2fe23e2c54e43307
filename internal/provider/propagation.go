package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/jonboulle/clockwork"
)

// Backoff between propagation retries.
const (
	propagationFirstWait = time.Second
	propagationMaxWait   = 15 * time.Second
)

// propagationRule is how a kind's cloud propagates new credentials: which refusals
// propagation explains, how long to wait for it by default, and the words that say so.
type propagationRule struct {
	// reason says why err may be propagation, or "" when it is another error.
	reason func(err error) string
	// window is the default of propagation_timeout for the kind.
	window time.Duration
	// words name the wait in the timeouts' descriptions: "Entra ID propagation".
	words string
	// service is what propagates ("Microsoft Entra ID"), cloud what answers ("Azure"), why
	// what takes a while, and settings the settings that bound the wait.
	service, cloud, why, settings string
}

// ruleOf is the propagation rule of the kind whose refusal err is, or nil.
func ruleOf(err error) *propagationRule {
	for _, k := range kinds {
		if k.propagation.reason(err) != "" {
			return &k.propagation
		}
	}
	return nil
}

// propagationGaveUp is the last propagation error once the window has closed.
type propagationGaveUp struct {
	last   error
	tries  int
	waited time.Duration
	reason string
	// window is propagation_timeout as set.
	window time.Duration
	// interrupted: Terraform asked the provider to stop during a wait.
	interrupted bool
}

func (e *propagationGaveUp) Error() string { return e.last.Error() }
func (e *propagationGaveUp) Unwrap() error { return e.last }

// propagationLogEvery is how often a wait for propagation says, at INFO, that it still waits.
const propagationLogEvery = 30 * time.Second

// until runs op until it succeeds, fails for a reason other than the cloud's propagation, or the window (or what is left of ctx's deadline, if sooner) leaves no time for
// another try. It waits on clock, and says at INFO when the wait begins and every
// propagationLogEvery after, what it waits for and until when.
func (p *propagationRule) until(ctx context.Context, clock clockwork.Clock, window time.Duration, op func(context.Context) error) error {
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
		reason := p.reason(err)
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
			tflog.Info(ctx, fmt.Sprintf("Waiting for %s to accept the credentials: %s answered %s. "+
				"%s, and Terraform shows \"Still creating...\" or \"Still modifying...\" meanwhile. The provider tries "+
				"again until %s (%s: %s, or the resource's timeouts if sooner), then fails with "+
				"%s's answer; propagation_timeout = \"0s\" turns this wait off.", p.service, p.cloud, reason, p.why, until,
				p.settings, durationText(window), p.cloud), fields)
			said = clock.Now()
		case clock.Since(said) >= propagationLogEvery:
			tflog.Info(ctx, fmt.Sprintf("Still waiting for %s to accept the credentials: %s answered "+
				"%s on try %d, %s after the first; trying until %s.", p.service, p.cloud, reason, try, waited.Round(time.Second), until), fields)
			said = clock.Now()
		default:
			tflog.Debug(ctx, p.words+": trying again", fields)
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
// verdict or an API error, one diagnostic per cause. When propagation retries gave up, the
// cause's own diagnostic says what was retried and how to wait longer. The kind of the error
// gives the words.
func addOperationError(diags *diag.Diagnostics, action action, err error) {
	var gaveUp *propagationGaveUp
	rule := &propagationRule{}
	if errors.As(err, &gaveUp) {
		if r := ruleOf(gaveUp.last); r != nil {
			rule = r
		}
	}
	if gaveUp != nil && gaveUp.interrupted {
		diags.AddError("Interrupted",
			fmt.Sprintf("Could not %s: Terraform was asked to stop while the provider waited for %s to "+
				"propagate the credentials (%s answered %s, %d tries). Segura connected nothing. Run the same "+
				"command again to finish.", action, rule.service, rule.cloud, gaveUp.reason, gaveUp.tries))
		return
	}
	var causes diag.Diagnostics
	explained := false
	for _, k := range kinds {
		if field, summary, detail, ok := k.explainPreflight(err); ok {
			addAttributeError(&causes, field, summary, detail)
			explained = true
			break
		}
	}
	if !explained {
		addAPIError(&causes, action, err)
	}
	if gaveUp != nil && gaveUp.window > 0 {
		causes = withWaited(causes, fmt.Sprintf("\n\nThe provider waited for %s to propagate it: %s "+
			"still answered %s after %d tries over %s. If this is not a mistake, wait longer: raise "+
			"%s in the provider (SEGURA_PROPAGATION_TIMEOUT), now %s, and, if needed, "+
			"the resource's timeouts.", rule.service, rule.cloud, gaveUp.reason, gaveUp.tries, gaveUp.waited.Round(time.Second),
			rule.settings, durationText(gaveUp.window)))
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
