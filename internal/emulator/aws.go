package emulator

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/textproto"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/segura/terraform-provider-segura/internal/aws"
)

// AWSDirectory is a fixture that stands for AWS: the accounts, their IAM users and groups,
// the policies attached to them and the users' access keys. Times are counted from the start
// of the emulator, on its clock, to mimic keys that propagate and keys that stop working.
// STS and IAM (see AWSPath) and the API's verification of an AWS account's key are checked
// against it at their own time.
//
// Nil in Options.AWS is demo mode: any access key of the contract's form (AKIA and 16
// upper-case letters or digits) is the key of the user "segura", with RequiredPolicy, of an
// account whose ID is derived from the key; no signature is checked, since no secret is known.
type AWSDirectory struct {
	Accounts []AWSAccount `json:"accounts"`
}

// AWSAccount is an AWS account.
type AWSAccount struct {
	AccountID string     `json:"account_id"` // 12 digits
	Users     []AWSUser  `json:"users"`
	Groups    []AWSGroup `json:"groups,omitempty"`
	// RootAccessKeys are keys of the account's root user, which may do everything.
	RootAccessKeys []AWSAccessKey `json:"root_access_keys,omitempty"`
}

// AWSUser is an IAM user.
type AWSUser struct {
	UserName string `json:"user_name"`
	// Path is the user's IAM path, such as /team/; empty means /.
	Path string `json:"path,omitempty"`
	// Groups names the account's groups the user belongs to.
	Groups []string `json:"groups,omitempty"`
	// Policies are the managed policies attached to the user: the name of an AWS managed
	// policy, such as IAMReadOnlyAccess, or the full ARN of any policy.
	Policies   []string       `json:"policies,omitempty"`
	AccessKeys []AWSAccessKey `json:"access_keys,omitempty"`
}

// AWSGroup is an IAM group.
type AWSGroup struct {
	GroupName string   `json:"group_name"`
	Path      string   `json:"path,omitempty"`
	Policies  []string `json:"policies,omitempty"` // as AWSUser.Policies
}

// AWSAccessKey is an access key.
type AWSAccessKey struct {
	AccessKeyID     string `json:"access_key_id"`     // AKIA and 16 upper-case letters or digits
	SecretAccessKey string `json:"secret_access_key"` // 40 characters
	// ValidAfterSeconds: until then STS does not know the key, as a key made seconds ago.
	ValidAfterSeconds int `json:"valid_after_seconds,omitempty"`
	// ExpiresAfterSeconds, when not zero: from then on the key is refused, as a key deleted
	// or deactivated after it was connected.
	ExpiresAfterSeconds int `json:"expires_after_seconds,omitempty"`
	// Inactive keys are refused.
	Inactive bool `json:"inactive,omitempty"`
}

// usableAt reports whether STS accepts the key, elapsed after the emulator started.
func (k AWSAccessKey) usableAt(elapsed time.Duration) bool {
	return !k.Inactive && elapsed >= seconds(k.ValidAfterSeconds) &&
		(k.ExpiresAfterSeconds == 0 || elapsed < seconds(k.ExpiresAfterSeconds))
}

var (
	awsAccountIDRE = regexp.MustCompile(`^[0-9]{12}$`)
	awsKeyIDRE     = regexp.MustCompile(`^AKIA[A-Z0-9]{16}$`)
	awsNameRE      = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
	awsPathRE      = regexp.MustCompile(`^/([\x21-\x7e]*/)?$`)
)

// LoadAWSDirectory reads an AWS directory fixture from a JSON file.
func LoadAWSDirectory(path string) (*AWSDirectory, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var d AWSDirectory
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields() // a misspelt field would silently change what a test checks
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("AWS directory %s: %w", path, err)
	}
	if err := d.check(); err != nil {
		return nil, fmt.Errorf("AWS directory %s: %w", path, err)
	}
	return &d, nil
}

// check refuses a fixture that AWS could not hold, so that a typing mistake in one fails
// loudly rather than as a key that is silently refused.
func (d *AWSDirectory) check() error {
	accounts, keys := map[string]bool{}, map[string]bool{}
	checkKeys := func(owner string, ks []AWSAccessKey) error {
		for _, k := range ks {
			switch {
			case !awsKeyIDRE.MatchString(k.AccessKeyID):
				return fmt.Errorf("%s: access_key_id %q is not AKIA and 16 upper-case letters or digits", owner, k.AccessKeyID)
			case keys[k.AccessKeyID]:
				return fmt.Errorf("%s: access_key_id %s is not unique", owner, k.AccessKeyID)
			case len(k.SecretAccessKey) != 40:
				return fmt.Errorf("%s: the secret_access_key of %s is not 40 characters", owner, k.AccessKeyID)
			}
			keys[k.AccessKeyID] = true
		}
		return nil
	}
	checkPolicies := func(owner string, ps []string) error {
		for _, p := range ps {
			if !awsNameRE.MatchString(p) && !strings.HasPrefix(p, "arn:aws:iam::") {
				return fmt.Errorf("%s: policy %q is neither a policy name nor an IAM policy ARN", owner, p)
			}
		}
		return nil
	}
	for _, a := range d.Accounts {
		if !awsAccountIDRE.MatchString(a.AccountID) || accounts[a.AccountID] {
			return fmt.Errorf("account_id %q is not 12 digits, or not unique", a.AccountID)
		}
		accounts[a.AccountID] = true
		if err := checkKeys("root of "+a.AccountID, a.RootAccessKeys); err != nil {
			return err
		}
		groups := map[string]bool{}
		for _, g := range a.Groups {
			owner := "group " + g.GroupName + " of " + a.AccountID
			if !awsNameRE.MatchString(g.GroupName) || groups[g.GroupName] || (g.Path != "" && !awsPathRE.MatchString(g.Path)) {
				return fmt.Errorf("%s: bad or duplicate group_name, or bad path", owner)
			}
			groups[g.GroupName] = true
			if err := checkPolicies(owner, g.Policies); err != nil {
				return err
			}
		}
		users := map[string]bool{}
		for _, u := range a.Users {
			owner := "user " + u.UserName + " of " + a.AccountID
			if !awsNameRE.MatchString(u.UserName) || users[u.UserName] || (u.Path != "" && !awsPathRE.MatchString(u.Path)) {
				return fmt.Errorf("%s: bad or duplicate user_name, or bad path", owner)
			}
			users[u.UserName] = true
			for _, g := range u.Groups {
				if !groups[g] {
					return fmt.Errorf("%s: no group %q in the account", owner, g)
				}
			}
			if err := checkPolicies(owner, u.Policies); err != nil {
				return err
			}
			if err := checkKeys(owner, u.AccessKeys); err != nil {
				return err
			}
		}
	}
	return nil
}

// awsCaller is whom a key belongs to.
type awsCaller struct {
	account *AWSAccount
	user    *AWSUser // nil for the root user
	key     AWSAccessKey
	demo    bool // demo mode: the key's secret is unknown and no signature is checked
}

// caller finds the owner of a key that STS accepts elapsed after the emulator started, or
// nil: a key unknown, inactive, not yet valid or expired.
func (d *AWSDirectory) caller(keyID string, elapsed time.Duration) *awsCaller {
	if d == nil {
		if !awsKeyIDRE.MatchString(keyID) {
			return nil
		}
		a := &AWSAccount{AccountID: demoAWSAccountID(keyID), Users: []AWSUser{{UserName: "segura",
			Policies: []string{aws.RequiredPolicy}, AccessKeys: []AWSAccessKey{{AccessKeyID: keyID}}}}}
		return &awsCaller{account: a, user: &a.Users[0], key: a.Users[0].AccessKeys[0], demo: true}
	}
	for ai := range d.Accounts {
		a := &d.Accounts[ai]
		for _, k := range a.RootAccessKeys {
			if k.AccessKeyID == keyID && k.usableAt(elapsed) {
				return &awsCaller{account: a, key: k}
			}
		}
		for ui := range a.Users {
			for _, k := range a.Users[ui].AccessKeys {
				if k.AccessKeyID == keyID && k.usableAt(elapsed) {
					return &awsCaller{account: a, user: &a.Users[ui], key: k}
				}
			}
		}
	}
	return nil
}

// demoAWSAccountID derives an account ID from a key, so that demo keys connect distinct
// accounts.
func demoAWSAccountID(keyID string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(keyID)) // a hash never fails to write
	return fmt.Sprintf("%012d", h.Sum64()%1_000_000_000_000)
}

// verify is the check the API runs before it connects an AWS account, elapsed after the
// emulator started: the key works with this secret, and its IAM user has RequiredPolicy,
// directly or through a group (a root key has every permission). It returns the key's
// account, and the contract's reason and missing policies when the key cannot connect; the
// account is known, and returned, with missing_policy too.
func (d *AWSDirectory) verify(elapsed time.Duration, accessKeyID, secret string) (accountID, reason string, missing []string) {
	c := d.caller(accessKeyID, elapsed)
	if c == nil || (!c.demo && subtle.ConstantTimeCompare([]byte(c.key.SecretAccessKey), []byte(secret)) != 1) {
		return "", aws.ReasonInvalidAccessKey, nil
	}
	if c.user != nil && !slices.Contains(c.account.effectivePolicies(c.user), aws.RequiredPolicyARN) {
		return c.account.AccountID, aws.ReasonMissingPolicy, []string{aws.RequiredPolicy}
	}
	return c.account.AccountID, "", nil
}

// policyARN is the ARN of a policy as the fixture names it: an AWS managed policy by its
// name, any other by its ARN.
func policyARN(p string) string {
	if strings.HasPrefix(p, "arn:") {
		return p
	}
	return "arn:aws:iam::aws:policy/" + p
}

// policyName is the name of a policy, the last part of its ARN.
func policyName(p string) string { return p[strings.LastIndex(p, "/")+1:] }

func (a *AWSAccount) user(name string) *AWSUser {
	for i := range a.Users {
		if a.Users[i].UserName == name {
			return &a.Users[i]
		}
	}
	return nil
}

func (a *AWSAccount) group(name string) *AWSGroup {
	for i := range a.Groups {
		if a.Groups[i].GroupName == name {
			return &a.Groups[i]
		}
	}
	return nil
}

// effectivePolicies are the ARNs of the policies attached to the user and to its groups.
func (a *AWSAccount) effectivePolicies(u *AWSUser) []string {
	var out []string
	for _, p := range u.Policies {
		out = append(out, policyARN(p))
	}
	for _, name := range u.Groups {
		if g := a.group(name); g != nil {
			for _, p := range g.Policies {
				out = append(out, policyARN(p))
			}
		}
	}
	return out
}

// iamReaders are the AWS managed policies that allow IAM's List actions; a user with none of
// them is denied the IAM reads, as AWS denies what no policy allows.
var iamReaders = []string{"IAMReadOnlyAccess", "IAMFullAccess", "ReadOnlyAccess", "SecurityAudit", "AdministratorAccess"}

// mayReadIAM reports whether the caller may call IAM's List actions.
func (c *awsCaller) mayReadIAM() bool {
	if c.user == nil {
		return true
	}
	return slices.ContainsFunc(c.account.effectivePolicies(c.user), func(arn string) bool {
		return slices.ContainsFunc(iamReaders, func(name string) bool { return arn == policyARN(name) })
	})
}

func (c *awsCaller) arn() string {
	if c.user == nil {
		return "arn:aws:iam::" + c.account.AccountID + ":root"
	}
	return "arn:aws:iam::" + c.account.AccountID + ":user" + cmpPath(c.user.Path) + c.user.UserName
}

func cmpPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// awsID is a stable IAM unique ID with AWS's prefix (AIDA for users, AGPA for groups).
func awsID(prefix, of string) string {
	sum := sha256.Sum256([]byte(of))
	return prefix + base32.StdEncoding.EncodeToString(sum[:])[:17]
}

// sigV4 is a request's Authorization header of Signature Version 4.
type sigV4 struct {
	keyID, date, region, service string
	signedHeaders, signature     string
}

// parseSigV4 reads an Authorization header of the form AWS4-HMAC-SHA256
// Credential=<key>/<date>/<region>/<service>/aws4_request, SignedHeaders=<h1;h2>,
// Signature=<hex>.
func parseSigV4(h string) (sigV4, bool) {
	rest, ok := strings.CutPrefix(h, "AWS4-HMAC-SHA256 ")
	if !ok {
		return sigV4{}, false
	}
	fields := map[string]string{}
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return sigV4{}, false
		}
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 || scope[4] != "aws4_request" || fields["SignedHeaders"] == "" || fields["Signature"] == "" {
		return sigV4{}, false
	}
	return sigV4{keyID: scope[0], date: scope[1], region: scope[2], service: scope[3],
		signedHeaders: fields["SignedHeaders"], signature: fields["Signature"]}, true
}

const (
	amzDateFormat = "20060102T150405Z"
	// awsSkewAllowed is how far from AWS's time a request may be signed.
	awsSkewAllowed = 15 * time.Minute
	// awsRegion is the region of the endpoints the emulator stands for.
	awsRegion = "us-east-1"
)

// errSignature is AWS's answer to a signature that is not the key's.
var errSignature = &awsError{http.StatusForbidden, "SignatureDoesNotMatch",
	"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}

// checkSigV4 checks a request's signature as AWS does: signed within 15 minutes of now, at
// the date of its credential scope, and equal to the signature that secret gives over the
// headers it lists as signed and the hash of the body as received. The SDK's signer
// recomputes it over a request rebuilt with those headers alone; it signs host, the content
// length when there is a body, and every header but Authorization, User-Agent,
// X-Amzn-Trace-Id, Expect and Transfer-Encoding, as every SDK does, so a client that signs
// one of those is refused here, where AWS would accept it.
func checkSigV4(r *http.Request, body []byte, auth sigV4, secret string, now time.Time) *awsError {
	signed, err := time.Parse(amzDateFormat, r.Header.Get("X-Amz-Date"))
	if err != nil {
		return &awsError{http.StatusBadRequest, "IncompleteSignature",
			"Authorization header requires existence of an 'X-Amz-Date' header of the form " + amzDateFormat + "."}
	}
	stamp, nowStamp := signed.Format(amzDateFormat), now.UTC().Format(amzDateFormat)
	switch {
	case auth.date != signed.Format("20060102"):
		return &awsError{http.StatusForbidden, "SignatureDoesNotMatch", fmt.Sprintf(
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			auth.date, signed.Format("20060102"), stamp)}
	case auth.region != awsRegion:
		return &awsError{http.StatusForbidden, "SignatureDoesNotMatch", "Credential should be scoped to a valid region."}
	case signed.Before(now.Add(-awsSkewAllowed)):
		return &awsError{http.StatusForbidden, "SignatureDoesNotMatch", fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)",
			stamp, now.Add(-awsSkewAllowed).UTC().Format(amzDateFormat), nowStamp)}
	case signed.After(now.Add(awsSkewAllowed)):
		return &awsError{http.StatusForbidden, "SignatureDoesNotMatch", fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + 15 min.)",
			stamp, now.Add(awsSkewAllowed).UTC().Format(amzDateFormat), nowStamp)}
	}
	u := *r.URL
	again := &http.Request{Method: r.Method, URL: &u, Host: r.Host, Header: http.Header{}}
	for name := range strings.SplitSeq(auth.signedHeaders, ";") {
		switch name {
		case "host":
		case "content-length":
			again.ContentLength = int64(len(body))
		default:
			again.Header[textproto.CanonicalMIMEHeaderKey(name)] = r.Header.Values(name)
		}
	}
	sum := sha256.Sum256(body)
	creds := sdkaws.Credentials{AccessKeyID: auth.keyID, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, again, hex.EncodeToString(sum[:]), auth.service, auth.region, signed); err != nil {
		return &awsError{http.StatusInternalServerError, "InternalFailure", "signing: " + err.Error()}
	}
	want, ok := parseSigV4(again.Header.Get("Authorization"))
	if !ok || subtle.ConstantTimeCompare([]byte(want.signature), []byte(auth.signature)) != 1 {
		return errSignature
	}
	return nil
}
