package aws

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// AWS's error codes for a key that STS refuses.
const (
	// codeUnknownKey: no such key, an inactive or deleted one, or one made seconds ago that
	// has not reached every STS server yet.
	codeUnknownKey = "InvalidClientTokenId"
	// codeWrongSecret: the request was not signed with the key's secret (or, with a message
	// "Signature expired", at a time too far from AWS's own).
	codeWrongSecret = "SignatureDoesNotMatch"
)

// Failure is AWS's definite answer that the key cannot connect.
type Failure struct {
	Reason string // ReasonInvalidAccessKey or ReasonMissingPolicy
	// Missing names the policies the user lacks (RequiredPolicy), with ReasonMissingPolicy.
	Missing []string
	// User is the ARN of the key's IAM user, with ReasonMissingPolicy.
	User string
	// Code is AWS's error code, with ReasonInvalidAccessKey: InvalidClientTokenId or
	// SignatureDoesNotMatch.
	Code string
}

// CanPropagate reports whether waiting may mend f: only a key that STS does not know, which
// a key made seconds ago is until it propagates. A wrong secret stays wrong, and a missing
// policy is read from IAM itself, where it is either attached or not.
func (f *Failure) CanPropagate() bool {
	return f.Reason == ReasonInvalidAccessKey && f.Code == codeUnknownKey
}

func (f *Failure) Error() string {
	if f.Reason == ReasonMissingPolicy {
		return "AWS pre-flight: " + f.Reason + ": the IAM user " + f.User + " lacks " +
			strings.Join(f.Missing, ", ") + ", attached neither to it nor to one of its groups"
	}
	s := "AWS pre-flight: " + f.Reason
	if f.Code != "" {
		s += " (" + f.Code + ")"
	}
	switch f.Code {
	case codeUnknownKey:
		s += ": STS does not know this access key: it is wrong, inactive or deleted, or was made seconds ago and has not propagated yet"
	case codeWrongSecret:
		s += ": the secret access key is not this access key's"
	}
	return s
}

// region signs every request: STS's and IAM's endpoints of the aws partition both take it.
const region = "us-east-1"

// maxAttempts of each request: the SDK retries once, as the Azure pre-flight's does. Waiting
// for a key to propagate is the caller's loop, not the SDK's; a second layer of retries here
// would multiply it.
const maxAttempts = 2

// checkTimeout bounds a Check, whatever the caller's deadline.
const checkTimeout = 30 * time.Second

// maxPages bounds each IAM list: a user has at most 20 managed policies and 10 groups.
const maxPages = 50

// Preflight signs in to AWS with a connection's access key, as Cloud Entitlements will, and
// checks that the key's IAM user has RequiredPolicy before anything is sent to the API. It
// signs with that key alone: nothing of the process's own AWS settings (AWS_PROFILE,
// AWS_ACCESS_KEY_ID, the shared config and credentials files, an instance role) is read.
type Preflight struct {
	// Transport replaces the HTTP transport (tests); nil means http.DefaultTransport.
	Transport http.RoundTripper

	// backoff replaces the SDK's wait before its retry (tests, which never sleep).
	backoff retry.BackoffDelayer
}

// Check asks STS whose key this is, then IAM whether that user has RequiredPolicy attached
// directly or through one of its groups. It returns the key's account ID whenever STS
// accepted the key, errors included, and:
//   - nil when the key may connect;
//   - a *Failure when AWS refuses it definitely: STS refuses the key, or the user lacks the
//     policy;
//   - another error, wrapping the cause, when AWS could not be asked: unreachable, a 5xx, no
//     answer in time, a request time AWS refuses (this machine's clock), or IAM refusing the
//     reads themselves (AccessDenied). The caller may then warn and go on, since Segura
//     verifies too.
//
// AccessDenied on the reads is not taken for a missing policy, although IAMReadOnlyAccess
// allows them: an attachment made seconds ago may not be in force yet while IAM already
// lists it, and an explicit deny or a boundary can refuse them to a user that has it. Only
// a list that IAM gave in full decides.
//
// A root user's key passes: root may do everything. A key of anything else than a user
// (an assumed role, a federated user) needs a session token, which a connection does not
// have; should STS name one, the check cannot judge it and says so as an error, not a Failure.
func (p Preflight) Check(ctx context.Context, accessKeyID, secretAccessKey string) (accountID string, err error) {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	cfg := p.config(accessKeyID, secretAccessKey)

	who, err := sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = baseEndpoint("STS") }).
		GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		if skewed(err) {
			return "", fmt.Errorf("AWS pre-flight: AWS refused the time of the request; check this machine's clock: %w", err)
		}
		if f := refusal(err); f != nil {
			return "", f
		}
		return "", fmt.Errorf("AWS pre-flight: STS could not be asked: %w", err)
	}
	accountID, arn := sdkaws.ToString(who.Account), sdkaws.ToString(who.Arn)
	user, root, err := principal(arn)
	if err != nil || root {
		return accountID, err
	}

	found, err := hasRequiredPolicy(ctx, iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = baseEndpoint("IAM") }), user)
	if err != nil {
		if apiErr, ok := errors.AsType[smithy.APIError](err); ok && apiErr.ErrorCode() == "AccessDenied" {
			return accountID, fmt.Errorf("AWS pre-flight: %s may not read its own IAM policies, which %s allows: "+
				"the policy is missing, or was attached moments ago; Segura's verification decides: %w", arn, RequiredPolicy, err)
		}
		return accountID, fmt.Errorf("AWS pre-flight: IAM could not be asked whether %s has %s: %w", arn, RequiredPolicy, err)
	}
	if !found {
		return accountID, &Failure{Reason: ReasonMissingPolicy, Missing: []string{RequiredPolicy}, User: arn}
	}
	return accountID, nil
}

// config is built by hand rather than by config.LoadDefaultConfig, which would read the
// process's profile, shared config and credentials files and instance role: the connection's
// key is the only credential, and us-east-1 the only region.
func (p Preflight) config(accessKeyID, secretAccessKey string) sdkaws.Config {
	return sdkaws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(accessKeyID, secretAccessKey, ""),
		// A redirect would carry the signed request to wherever it points: none is
		// followed, and the 3xx fails the call as AWS not answering.
		HTTPClient: &http.Client{
			Transport:     cmp.Or(p.Transport, http.DefaultTransport),
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		Retryer: func() sdkaws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = maxAttempts
				if p.backoff != nil {
					o.Backoff = p.backoff
				}
			})
		},
	}
}

// baseEndpoint reads the SDK's standard endpoint settings for a service, by its SDK ID (STS,
// IAM): AWS_ENDPOINT_URL_<ID>, else AWS_ENDPOINT_URL, none when
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true; nil leaves the SDK's default endpoint.
// config.LoadDefaultConfig reads them for its clients, but it is not used (see config), so
// they are read here, and no other setting of the environment is.
func baseEndpoint(id string) *string {
	if strings.EqualFold(os.Getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		return nil
	}
	if u := cmp.Or(os.Getenv("AWS_ENDPOINT_URL_"+id), os.Getenv("AWS_ENDPOINT_URL")); u != "" {
		return &u
	}
	return nil
}

// refusal is STS's definite refusal of the key, or nil.
func refusal(err error) *Failure {
	apiErr, ok := errors.AsType[smithy.APIError](err)
	if !ok {
		return nil
	}
	switch code := apiErr.ErrorCode(); code {
	case codeUnknownKey, codeWrongSecret:
		return &Failure{Reason: ReasonInvalidAccessKey, Code: code}
	}
	return nil
}

// skewed reports whether AWS refused the request's time rather than its signature: it gives
// the wrong secret's code with another message. The SDK has corrected its clock by AWS's
// Date header and tried again before this is seen.
func skewed(err error) bool {
	apiErr, ok := errors.AsType[smithy.APIError](err)
	if !ok || apiErr.ErrorCode() != codeWrongSecret {
		return false
	}
	msg := apiErr.ErrorMessage()
	return strings.HasPrefix(msg, "Signature expired") || strings.HasPrefix(msg, "Signature not yet current")
}

// principal reads the key's owner from the ARN that STS gives: the name of an IAM user
// (arn:aws:iam::<account>:user/<path/>name), or root (arn:aws:iam::<account>:root).
func principal(arn string) (user string, root bool, err error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" && parts[2] == "iam" {
		if parts[5] == "root" {
			return "", true, nil
		}
		if rest, ok := strings.CutPrefix(parts[5], "user/"); ok {
			if name := rest[strings.LastIndex(rest, "/")+1:]; name != "" {
				return name, false, nil
			}
		}
	}
	return "", false, fmt.Errorf("AWS pre-flight: the key is not an IAM user's (STS names %s): only users' keys are checked; Segura's verification decides", arn)
}

// hasRequiredPolicy reports whether the IAM user has RequiredPolicy attached, directly or
// through one of its groups, reading every page until it is found.
func hasRequiredPolicy(ctx context.Context, c *iam.Client, user string) (bool, error) {
	found, err := allPages(func(marker *string) (bool, *string, error) {
		out, err := c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: &user, Marker: marker})
		if err != nil {
			return false, nil, err
		}
		return slices.ContainsFunc(out.AttachedPolicies, required), next(out.IsTruncated, out.Marker), nil
	})
	if found || err != nil {
		return found, err
	}
	var groups []string
	if _, err := allPages(func(marker *string) (bool, *string, error) {
		out, err := c.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: &user, Marker: marker})
		if err != nil {
			return false, nil, err
		}
		for _, g := range out.Groups {
			groups = append(groups, sdkaws.ToString(g.GroupName))
		}
		return false, next(out.IsTruncated, out.Marker), nil
	}); err != nil {
		return false, err
	}
	for _, group := range groups {
		found, err := allPages(func(marker *string) (bool, *string, error) {
			out, err := c.ListAttachedGroupPolicies(ctx, &iam.ListAttachedGroupPoliciesInput{GroupName: &group, Marker: marker})
			if err != nil {
				return false, nil, err
			}
			return slices.ContainsFunc(out.AttachedPolicies, required), next(out.IsTruncated, out.Marker), nil
		})
		if found || err != nil {
			return found, err
		}
	}
	return false, nil
}

// required matches RequiredPolicy by its ARN: a customer managed policy may bear its name.
func required(p iamtypes.AttachedPolicy) bool {
	return sdkaws.ToString(p.PolicyArn) == RequiredPolicyARN
}

// next is the marker of the next page of an IAM list, nil after the last.
func next(truncated bool, marker *string) *string {
	if !truncated || sdkaws.ToString(marker) == "" {
		return nil
	}
	return marker
}

// allPages reads the pages of an IAM list, page answering one page for a marker (nil for the
// first), until one has found what it looks for or none follows.
func allPages(page func(marker *string) (found bool, next *string, err error)) (bool, error) {
	var marker *string
	for range maxPages {
		found, next, err := page(marker)
		if found || next == nil || err != nil {
			return found, err
		}
		marker = next
	}
	return false, fmt.Errorf("IAM gave more than %d pages", maxPages)
}
