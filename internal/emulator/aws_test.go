package emulator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/jonboulle/clockwork"
)

// Keys of testdata/aws.json.
const (
	keyDirect   = "AKIADIRECTREADER0001" // direct-reader: IAMReadOnlyAccess on the 2nd page of its policies
	keyGroup    = "AKIAGROUPREADER00001" // group-reader: through auditors, its 3rd group
	keyNoPolicy = "AKIANOPOLICYUSER0001" // no-policy: reads IAM, lacks the policy
	keyNoIAM    = "AKIANOIAMACCESS00001" // no-iam-access: may not read IAM
	keyNew      = "AKIANEWKEYVALIDLATER" // valid after 20 s
	keyExpiring = "AKIAEXPIRESAFTER0060" // refused from 60 s on
	keyInactive = "AKIAINACTIVEKEY00001"
	keyRoot     = "AKIAROOTKEY000000001"
	keyOther    = "AKIAOTHERACCOUNT0001" // another account
	keyUnknown  = "AKIAUNKNOWNKEY000001"
)

var awsSecrets = map[string]string{
	keyDirect:   "DirectReader/Secret+Key/0000000000000000",
	keyGroup:    "GroupReader/Secret+Key/00000000000000000",
	keyNoPolicy: "NoPolicy/Secret+Key/00000000000000000000",
	keyNoIAM:    "NoIamAccess/Secret+Key/00000000000000000",
	keyNew:      "NewKey/Secret+Key/0000000000000000000000",
	keyExpiring: "Expires/Secret+Key/000000000000000000000",
	keyInactive: "Inactive/Secret+Key/00000000000000000000",
	keyRoot:     "RootKey/Secret+Key/000000000000000000000",
	keyOther:    "OtherAccount/Secret+Key/0000000000000000",
	keyUnknown:  "Unknown/Secret+Key/000000000000000000000",
}

const wrongSecret = "Wrong/Secret+Key/00000000000000000000000"

const (
	stsNS = "https://sts.amazonaws.com/doc/2011-06-15/"
	iamNS = "https://iam.amazonaws.com/doc/2010-05-08/"
)

type awsHarness struct {
	t     *testing.T
	srv   *Server
	ts    *httptest.Server
	clock *clockwork.FakeClock
}

func loadAWS(t *testing.T) *AWSDirectory {
	t.Helper()
	d, err := LoadAWSDirectory("testdata/aws.json")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func newAWSHarness(t *testing.T, d *AWSDirectory) *awsHarness {
	t.Helper()
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	srv, err := New(Options{AWS: d, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &awsHarness{t: t, srv: srv, ts: ts, clock: clock}
}

// awsCall is a query-protocol request, signed as the SDKs sign them unless auth says otherwise.
type awsCall struct {
	service, key, secret string
	region               string        // empty: us-east-1
	skew                 time.Duration // signing time minus the emulator's time
	form                 url.Values
	auth                 string // replaces the Authorization header; "-" sends none
}

type awsAnswer struct {
	status int
	header http.Header
	body   []byte
}

func (h *awsHarness) send(c awsCall) awsAnswer {
	h.t.Helper()
	body := c.form.Encode()
	req, err := http.NewRequest(http.MethodPost, h.ts.URL+AWSPath, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	region := c.region
	if region == "" {
		region = "us-east-1"
	}
	creds := sdkaws.Credentials{AccessKeyID: c.key, SecretAccessKey: c.secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), c.service, region, h.clock.Now().Add(c.skew)); err != nil {
		h.t.Fatal(err)
	}
	switch c.auth {
	case "":
	case "-":
		req.Header.Del("Authorization")
	default:
		req.Header.Set("Authorization", c.auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	if strings.Contains(string(b), `xmlns=""`) {
		h.t.Fatalf("an element left its service's namespace: %s", b)
	}
	return awsAnswer{resp.StatusCode, resp.Header, b}
}

func stsCall(key, secret string) awsCall {
	return awsCall{service: "sts", key: key, secret: secret,
		form: url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}}
}

func iamCall(key, action string, params ...string) awsCall {
	form := url.Values{"Action": {action}, "Version": {"2010-05-08"}}
	for i := 0; i+1 < len(params); i += 2 {
		form.Set(params[i], params[i+1])
	}
	return awsCall{service: "iam", key: key, secret: awsSecrets[key], form: form}
}

// awsErrorOf reads an ErrorResponse in namespace ns, failing the test when it is not one.
func awsErrorOf(t *testing.T, a awsAnswer, ns string) (typ, code, message string) {
	t.Helper()
	var e struct {
		XMLName xml.Name
		Error   struct{ Type, Code, Message string }
		ID      string `xml:"RequestId"`
	}
	if err := xml.Unmarshal(a.body, &e); err != nil {
		t.Fatalf("not XML: %v: %s", err, a.body)
	}
	if e.XMLName != (xml.Name{Space: ns, Local: "ErrorResponse"}) {
		t.Fatalf("root %v, want ErrorResponse in %s: %s", e.XMLName, ns, a.body)
	}
	if e.ID == "" || e.ID != a.header.Get("X-Amzn-Requestid") {
		t.Fatalf("RequestId %q, header x-amzn-RequestId %q", e.ID, a.header.Get("X-Amzn-Requestid"))
	}
	return e.Error.Type, e.Error.Code, e.Error.Message
}

func TestAWSSigV4_documentedExample(t *testing.T) {
	// AWS's own example of a signed request ("Elements of an AWS API request signature",
	// IAM ListUsers): the oracle shares nothing with the emulator's check.
	const (
		secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
		auth   = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
	)
	signedAt := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
	cases := []struct {
		name          string
		secret, query string
		header        [2]string // a header to change
		authorization string
		now           time.Time
		code, message string // empty: accepted
	}{
		{name: "as documented", now: signedAt},
		{name: "14 minutes later", now: signedAt.Add(14 * time.Minute)},
		{name: "another secret", secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEz", now: signedAt,
			code: "SignatureDoesNotMatch", message: "The request signature we calculated does not match"},
		{name: "another query", query: "Action=ListGroups&Version=2010-05-08", now: signedAt,
			code: "SignatureDoesNotMatch", message: "The request signature we calculated does not match"},
		{name: "a signed header changed", header: [2]string{"Content-Type", "text/plain"}, now: signedAt,
			code: "SignatureDoesNotMatch", message: "The request signature we calculated does not match"},
		{name: "an unsigned header added", header: [2]string{"X-Extra", "1"}, now: signedAt},
		{name: "a header left out of SignedHeaders", now: signedAt,
			authorization: strings.Replace(auth, "content-type;host;x-amz-date", "host;x-amz-date", 1),
			code:          "SignatureDoesNotMatch", message: "The request signature we calculated does not match"},
		{name: "16 minutes later", now: signedAt.Add(16 * time.Minute),
			code: "SignatureDoesNotMatch", message: "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T125200Z - 15 min.)"},
		{name: "16 minutes earlier", now: signedAt.Add(-16 * time.Minute),
			code: "SignatureDoesNotMatch", message: "Signature not yet current: 20150830T123600Z is still later than 20150830T123500Z (20150830T122000Z + 15 min.)"},
		{name: "scope of another day", now: signedAt, authorization: strings.Replace(auth, "/20150830/", "/20150831/", 1),
			code: "SignatureDoesNotMatch", message: "Date in Credential scope does not match"},
		{name: "scope of another region", now: signedAt, authorization: strings.Replace(auth, "/us-east-1/", "/eu-west-1/", 1),
			code: "SignatureDoesNotMatch", message: "Credential should be scoped to a valid region."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			query := "Action=ListUsers&Version=2010-05-08"
			if c.query != "" {
				query = c.query
			}
			r := httptest.NewRequest(http.MethodGet, "https://iam.amazonaws.com/?"+query, nil)
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			r.Header.Set("X-Amz-Date", "20150830T123600Z")
			if c.header[0] != "" {
				r.Header.Set(c.header[0], c.header[1])
			}
			authorization := auth
			if c.authorization != "" {
				authorization = c.authorization
			}
			parsed, ok := parseSigV4(authorization)
			if !ok {
				t.Fatalf("%q is not parsed", authorization)
			}
			sec := secret
			if c.secret != "" {
				sec = c.secret
			}
			e := checkSigV4(r, nil, parsed, sec, c.now)
			switch {
			case c.code == "" && e != nil:
				t.Fatalf("refused: %+v", *e)
			case c.code != "" && e == nil:
				t.Fatal("accepted")
			case c.code != "" && (e.status != http.StatusForbidden || e.code != c.code || !strings.HasPrefix(e.message, c.message)):
				t.Fatalf("got %d %s %q, want 403 %s %q", e.status, e.code, e.message, c.code, c.message)
			}
		})
	}
}

func TestAWS_getCallerIdentity(t *testing.T) {
	h := newAWSHarness(t, loadAWS(t))
	type identity struct {
		XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ GetCallerIdentityResponse"`
		Arn     string   `xml:"GetCallerIdentityResult>Arn"`
		UserID  string   `xml:"GetCallerIdentityResult>UserId"`
		Account string   `xml:"GetCallerIdentityResult>Account"`
		ID      string   `xml:"ResponseMetadata>RequestId"`
	}
	ok := func(key string) awsCall { return stsCall(key, awsSecrets[key]) }
	with := func(c awsCall, f func(*awsCall)) awsCall { f(&c); return c }
	cases := []struct {
		name       string
		call       awsCall
		status     int
		code, msg  string // of an error
		arn, acct  string // of a success
		userPrefix string
	}{
		{name: "a user's key", call: ok(keyDirect), status: 200,
			arn: "arn:aws:iam::111122223333:user/direct-reader", acct: "111122223333", userPrefix: "AIDA"},
		{name: "a user with a path", call: ok(keyGroup), status: 200,
			arn: "arn:aws:iam::111122223333:user/team/ops/group-reader", acct: "111122223333", userPrefix: "AIDA"},
		{name: "the root user's key", call: ok(keyRoot), status: 200,
			arn: "arn:aws:iam::111122223333:root", acct: "111122223333", userPrefix: "111122223333"},
		{name: "another account", call: ok(keyOther), status: 200,
			arn: "arn:aws:iam::444455556666:user/other-reader", acct: "444455556666", userPrefix: "AIDA"},
		{name: "14 minutes of skew", call: with(ok(keyDirect), func(c *awsCall) { c.skew = -14 * time.Minute }), status: 200,
			arn: "arn:aws:iam::111122223333:user/direct-reader", acct: "111122223333", userPrefix: "AIDA"},
		{name: "a wrong secret", call: stsCall(keyDirect, wrongSecret), status: 403, code: "SignatureDoesNotMatch",
			msg: "The request signature we calculated does not match the signature you provided."},
		{name: "an unknown key", call: ok(keyUnknown), status: 403, code: "InvalidClientTokenId",
			msg: "The security token included in the request is invalid."},
		{name: "an inactive key", call: ok(keyInactive), status: 403, code: "InvalidClientTokenId"},
		{name: "a key not yet valid", call: ok(keyNew), status: 403, code: "InvalidClientTokenId"},
		{name: "signed 16 minutes ago", call: with(ok(keyDirect), func(c *awsCall) { c.skew = -16 * time.Minute }),
			status: 403, code: "SignatureDoesNotMatch", msg: "Signature expired: 20261126T094400Z is now earlier than 20261126T094500Z"},
		{name: "no Authorization", call: with(ok(keyDirect), func(c *awsCall) { c.auth = "-" }),
			status: 403, code: "MissingAuthenticationToken"},
		{name: "a malformed Authorization", call: with(ok(keyDirect), func(c *awsCall) { c.auth = "AWS4-HMAC-SHA256 Credential=" + keyDirect }),
			status: 400, code: "IncompleteSignature"},
		{name: "another service's scope", call: with(ok(keyDirect), func(c *awsCall) { c.service = "s3" }),
			status: 403, code: "SignatureDoesNotMatch", msg: "Credential should be scoped to correct service"},
		{name: "another version", call: with(ok(keyDirect), func(c *awsCall) { c.form = url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2010-05-08"}} }),
			status: 400, code: "InvalidAction", msg: "Could not find operation GetCallerIdentity for version 2010-05-08"},
		{name: "an action STS does not serve", call: with(ok(keyDirect), func(c *awsCall) { c.form.Set("Action", "AssumeRole") }),
			status: 400, code: "InvalidAction"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := h.send(c.call)
			if a.status != c.status {
				t.Fatalf("status %d, want %d: %s", a.status, c.status, a.body)
			}
			if got, want := a.header.Get("Date"), h.clock.Now().Format(http.TimeFormat); got != want {
				t.Errorf("Date %q, want the emulator's time %q", got, want)
			}
			if c.code != "" {
				typ, code, msg := awsErrorOf(t, a, stsNS)
				if typ != "Sender" || code != c.code || !strings.HasPrefix(msg, c.msg) {
					t.Fatalf("got %s %s %q, want Sender %s %q", typ, code, msg, c.code, c.msg)
				}
				return
			}
			var id identity
			if err := xml.Unmarshal(a.body, &id); err != nil {
				t.Fatalf("%v: %s", err, a.body)
			}
			if id.Arn != c.arn || id.Account != c.acct || !strings.HasPrefix(id.UserID, c.userPrefix) || id.ID != a.header.Get("X-Amzn-Requestid") {
				t.Fatalf("got %+v, want %s %s %s...: %s", id, c.arn, c.acct, c.userPrefix, a.body)
			}
		})
	}
	if n := h.srv.Counts().Total(AWSRoute("sts", "GetCallerIdentity"), "200"); n != 5 {
		t.Errorf("%d answers 200 counted for %s, want 5", n, AWSRoute("sts", "GetCallerIdentity"))
	}
}

// iamPages walks every page of an IAM list, returning the names listed and the pages read.
func iamPages(t *testing.T, h *awsHarness, key, action string, params ...string) (names []string, pages int) {
	t.Helper()
	marker := ""
	for pages = 1; pages < 20; pages++ {
		p := params
		if marker != "" {
			p = append(append([]string{}, params...), "Marker", marker)
		}
		a := h.send(iamCall(key, action, p...))
		if a.status != http.StatusOK {
			t.Fatalf("%s page %d: %d %s", action, pages, a.status, a.body)
		}
		var resp struct {
			XMLName xml.Name
			Result  struct {
				XMLName     xml.Name
				Policies    []struct{ PolicyName, PolicyArn string } `xml:"AttachedPolicies>member"`
				Groups      []struct{ GroupName, Path, Arn string }  `xml:"Groups>member"`
				IsTruncated bool
				Marker      string
			} `xml:",any"`
			Metadata struct {
				RequestID string `xml:"RequestId"`
			} `xml:"ResponseMetadata"`
		}
		if err := xml.Unmarshal(a.body, &resp); err != nil {
			t.Fatalf("%v: %s", err, a.body)
		}
		if resp.XMLName != (xml.Name{Space: iamNS, Local: action + "Response"}) || resp.Result.XMLName != (xml.Name{Space: iamNS, Local: action + "Result"}) ||
			resp.Metadata.RequestID != a.header.Get("X-Amzn-Requestid") {
			t.Fatalf("root %v, result %v: %s", resp.XMLName, resp.Result.XMLName, a.body)
		}
		for _, p := range resp.Result.Policies {
			names = append(names, p.PolicyName+" "+p.PolicyArn)
		}
		for _, g := range resp.Result.Groups {
			names = append(names, g.GroupName+" "+g.Arn)
		}
		if !resp.Result.IsTruncated {
			if resp.Result.Marker != "" {
				t.Fatalf("a last page with a Marker: %s", a.body)
			}
			return names, pages
		}
		marker = resp.Result.Marker
	}
	t.Fatalf("%s: more than 20 pages", action)
	return nil, 0
}

func TestAWS_iamLists(t *testing.T) {
	h := newAWSHarness(t, loadAWS(t))
	cases := []struct {
		name, key, action string
		params            []string
		want              []string
		pages             int
	}{
		{"a user's policies, two a page", keyDirect, "ListAttachedUserPolicies", []string{"UserName", "direct-reader"}, []string{
			"AmazonS3ReadOnlyAccess arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
			"SecurityAudit arn:aws:iam::aws:policy/SecurityAudit",
			"IAMReadOnlyAccess arn:aws:iam::aws:policy/IAMReadOnlyAccess"}, 2},
		{"MaxItems honoured", keyDirect, "ListAttachedUserPolicies", []string{"UserName", "direct-reader", "MaxItems", "1"}, []string{
			"AmazonS3ReadOnlyAccess arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
			"SecurityAudit arn:aws:iam::aws:policy/SecurityAudit",
			"IAMReadOnlyAccess arn:aws:iam::aws:policy/IAMReadOnlyAccess"}, 3},
		{"a customer policy keeps its ARN", keyNoPolicy, "ListAttachedUserPolicies", []string{"UserName", "no-policy"}, []string{
			"ReadOnlyAccess arn:aws:iam::aws:policy/ReadOnlyAccess",
			"IAMReadOnlyAccess arn:aws:iam::111122223333:policy/IAMReadOnlyAccess"}, 1},
		{"a user with no policy", keyGroup, "ListAttachedUserPolicies", []string{"UserName", "group-reader"}, nil, 1},
		{"a user's groups", keyGroup, "ListGroupsForUser", []string{"UserName", "group-reader"}, []string{
			"developers arn:aws:iam::111122223333:group/developers",
			"billing arn:aws:iam::111122223333:group/billing",
			"auditors arn:aws:iam::111122223333:group/audit/auditors"}, 2},
		{"a group's policies", keyGroup, "ListAttachedGroupPolicies", []string{"GroupName", "auditors"}, []string{
			"AmazonS3ReadOnlyAccess arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
			"AmazonEC2ReadOnlyAccess arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess",
			"IAMReadOnlyAccess arn:aws:iam::aws:policy/IAMReadOnlyAccess"}, 2},
		{"root reads any user", keyRoot, "ListGroupsForUser", []string{"UserName", "no-policy"}, []string{
			"developers arn:aws:iam::111122223333:group/developers"}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			names, pages := iamPages(t, h, c.key, c.action, c.params...)
			if !reflect.DeepEqual(names, c.want) || pages != c.pages {
				t.Fatalf("got %q in %d pages, want %q in %d", names, pages, c.want, c.pages)
			}
		})
	}
	if n := h.srv.Counts().Total(AWSRoute("iam", "ListGroupsForUser"), "200"); n != 3 {
		t.Errorf("%d answers counted for ListGroupsForUser, want 3", n)
	}
}

func TestAWS_iamRefusals(t *testing.T) {
	h := newAWSHarness(t, loadAWS(t))
	stsScoped := iamCall(keyDirect, "ListAttachedUserPolicies", "UserName", "direct-reader")
	stsScoped.service = "sts"
	wrong := iamCall(keyDirect, "ListAttachedUserPolicies", "UserName", "direct-reader")
	wrong.secret = wrongSecret
	cases := []struct {
		name      string
		call      awsCall
		ns        string
		status    int
		code, msg string
	}{
		{"a user that may not read IAM", iamCall(keyNoIAM, "ListAttachedUserPolicies", "UserName", "no-iam-access"), iamNS, 403, "AccessDenied",
			"User: arn:aws:iam::111122223333:user/no-iam-access is not authorized to perform: iam:ListAttachedUserPolicies on resource: user no-iam-access"},
		{"a group it may not read", iamCall(keyNoIAM, "ListAttachedGroupPolicies", "GroupName", "auditors"), iamNS, 403, "AccessDenied",
			"User: arn:aws:iam::111122223333:user/no-iam-access is not authorized to perform: iam:ListAttachedGroupPolicies on resource: group auditors"},
		{"no such user", iamCall(keyDirect, "ListGroupsForUser", "UserName", "nobody"), iamNS, 404, "NoSuchEntity", "The user with name nobody cannot be found."},
		{"a user of another account", iamCall(keyOther, "ListGroupsForUser", "UserName", "direct-reader"), iamNS, 404, "NoSuchEntity", ""},
		{"no such group", iamCall(keyDirect, "ListAttachedGroupPolicies", "GroupName", "nobody"), iamNS, 404, "NoSuchEntity", "The group with name nobody cannot be found."},
		{"no UserName", iamCall(keyDirect, "ListAttachedUserPolicies"), iamNS, 400, "ValidationError", "1 validation error detected: Value null at 'userName'"},
		{"MaxItems 0", iamCall(keyDirect, "ListAttachedUserPolicies", "UserName", "direct-reader", "MaxItems", "0"), iamNS, 400, "ValidationError", ""},
		{"a marker of its own", iamCall(keyDirect, "ListAttachedUserPolicies", "UserName", "direct-reader", "Marker", "page-2"), iamNS, 400, "ValidationError", "Invalid Marker"},
		{"an action IAM does not serve", iamCall(keyDirect, "ListUsers"), iamNS, 400, "InvalidAction", "Could not find operation ListUsers for version 2010-05-08"},
		{"an IAM action signed for STS", stsScoped, stsNS, 400, "InvalidAction", ""},
		{"a wrong secret", wrong, iamNS, 403, "SignatureDoesNotMatch", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := h.send(c.call)
			if a.status != c.status {
				t.Fatalf("status %d, want %d: %s", a.status, c.status, a.body)
			}
			if typ, code, msg := awsErrorOf(t, a, c.ns); typ != "Sender" || code != c.code || !strings.HasPrefix(msg, c.msg) {
				t.Fatalf("got %s %s %q, want Sender %s %q", typ, code, msg, c.code, c.msg)
			}
		})
	}
}

func TestAWS_keysOnTheClock(t *testing.T) {
	h := newAWSHarness(t, loadAWS(t))
	steps := []struct {
		at     time.Duration // since the start
		key    string
		status int
	}{
		{0, keyNew, 403},
		{19 * time.Second, keyNew, 403},
		{20 * time.Second, keyNew, 200},
		{59 * time.Second, keyExpiring, 200},
		{60 * time.Second, keyExpiring, 403},
	}
	start := h.clock.Now()
	for _, s := range steps {
		h.clock.Advance(start.Add(s.at).Sub(h.clock.Now()))
		a := h.send(stsCall(s.key, awsSecrets[s.key]))
		if a.status != s.status {
			t.Fatalf("%s at %v: status %d, want %d: %s", s.key, s.at, a.status, s.status, a.body)
		}
		if s.status == 403 {
			if _, code, _ := awsErrorOf(t, a, stsNS); code != "InvalidClientTokenId" {
				t.Fatalf("%s at %v: %s, want InvalidClientTokenId", s.key, s.at, code)
			}
		}
	}
}

func TestAWSDirectory_verify(t *testing.T) {
	d := loadAWS(t)
	cases := []struct {
		name        string
		dir         *AWSDirectory
		at          time.Duration
		key, secret string
		account     string
		reason      string
		missing     []string
	}{
		{"policy attached to the user", d, 0, keyDirect, awsSecrets[keyDirect], "111122223333", "", nil},
		{"policy attached to a group", d, 0, keyGroup, awsSecrets[keyGroup], "111122223333", "", nil},
		{"root", d, 0, keyRoot, awsSecrets[keyRoot], "111122223333", "", nil},
		{"another account", d, 0, keyOther, awsSecrets[keyOther], "444455556666", "", nil},
		{"a customer policy of the same name", d, 0, keyNoPolicy, awsSecrets[keyNoPolicy], "111122223333", "missing_policy", []string{"IAMReadOnlyAccess"}},
		{"no policy", d, 0, keyNoIAM, awsSecrets[keyNoIAM], "111122223333", "missing_policy", []string{"IAMReadOnlyAccess"}},
		{"a wrong secret", d, 0, keyDirect, wrongSecret, "", "invalid_access_key", nil},
		{"an unknown key", d, 0, keyUnknown, awsSecrets[keyUnknown], "", "invalid_access_key", nil},
		{"an inactive key", d, 0, keyInactive, awsSecrets[keyInactive], "", "invalid_access_key", nil},
		{"a key not yet valid", d, 19 * time.Second, keyNew, awsSecrets[keyNew], "", "invalid_access_key", nil},
		{"a key now valid", d, 20 * time.Second, keyNew, awsSecrets[keyNew], "111122223333", "", nil},
		{"a key expired", d, time.Minute, keyExpiring, awsSecrets[keyExpiring], "", "invalid_access_key", nil},
		{"demo: a key of the contract's form", nil, 0, "AKIAANYKEY0000000001", wrongSecret, demoAWSAccountID("AKIAANYKEY0000000001"), "", nil},
		{"demo: another form", nil, 0, "AKIAanykey", wrongSecret, "", "invalid_access_key", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			account, reason, missing := c.dir.verify(c.at, c.key, c.secret)
			if account != c.account || reason != c.reason || !reflect.DeepEqual(missing, c.missing) {
				t.Fatalf("got %q %q %q, want %q %q %q", account, reason, missing, c.account, c.reason, c.missing)
			}
		})
	}
	if a, b := demoAWSAccountID("AKIAANYKEY0000000001"), demoAWSAccountID("AKIAANYKEY0000000002"); len(a) != 12 || a == b {
		t.Errorf("demo accounts %q and %q: want 12 digits, distinct", a, b)
	}
}

func TestAWS_demoMode(t *testing.T) {
	h := newAWSHarness(t, nil)
	const key = "AKIADEMOKEY000000001"
	a := h.send(stsCall(key, wrongSecret))
	want := "<Arn>arn:aws:iam::" + demoAWSAccountID(key) + ":user/segura</Arn>"
	if a.status != http.StatusOK || !strings.Contains(string(a.body), want) {
		t.Fatalf("%d %s, want 200 with %s", a.status, a.body, want)
	}
	names, _ := iamPages(t, h, key, "ListAttachedUserPolicies", "UserName", "segura")
	if !reflect.DeepEqual(names, []string{"IAMReadOnlyAccess arn:aws:iam::aws:policy/IAMReadOnlyAccess"}) {
		t.Fatalf("demo user's policies: %q", names)
	}
	if a := h.send(stsCall("AKIA0", wrongSecret)); a.status != http.StatusForbidden {
		t.Fatalf("a key not of the contract's form: %d %s", a.status, a.body)
	}
}

func TestLoadAWSDirectory_refusesWhatAWSCannotHold(t *testing.T) {
	key := `{"access_key_id": "AKIAAAAAAAAAAAAAAAAA", "secret_access_key": "0123456789012345678901234567890123456789"}`
	cases := map[string]string{
		"account ID of 11 digits": `{"accounts": [{"account_id": "11112222333", "users": []}]}`,
		"key ID of another form":  `{"accounts": [{"account_id": "111122223333", "users": [{"user_name": "u", "access_keys": [{"access_key_id": "ASIAAAAAAAAAAAAAAAAA", "secret_access_key": "0123456789012345678901234567890123456789"}]}]}]}`,
		"secret of 39 characters": `{"accounts": [{"account_id": "111122223333", "users": [{"user_name": "u", "access_keys": [{"access_key_id": "AKIAAAAAAAAAAAAAAAAA", "secret_access_key": "012345678901234567890123456789012345678"}]}]}]}`,
		"a key twice":             `{"accounts": [{"account_id": "111122223333", "users": [{"user_name": "u", "access_keys": [` + key + `]}], "root_access_keys": [` + key + `]}]}`,
		"an unknown group":        `{"accounts": [{"account_id": "111122223333", "users": [{"user_name": "u", "groups": ["g"]}]}]}`,
		"a path without slashes":  `{"accounts": [{"account_id": "111122223333", "users": [{"user_name": "u", "path": "team"}]}]}`,
		"a field misspelt":        `{"accounts": [{"account_id": "111122223333", "users": [{"user_name": "u", "polices": ["IAMReadOnlyAccess"]}]}]}`,
	}
	dir := t.TempDir()
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, "aws.json")
			if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadAWSDirectory(path); err == nil {
				t.Fatal("loaded")
			}
		})
	}
}
