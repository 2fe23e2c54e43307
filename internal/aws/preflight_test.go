package aws_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/segura/terraform-provider-segura/internal/aws"
	"github.com/segura/terraform-provider-segura/internal/emulator"
)

// Keys of ../emulator/testdata/aws.json.
const (
	keyDirect, secretDirect     = "AKIADIRECTREADER0001", "DirectReader/Secret+Key/0000000000000000"
	keyGroup, secretGroup       = "AKIAGROUPREADER00001", "GroupReader/Secret+Key/00000000000000000"
	keyNoPolicy, secretNoPolicy = "AKIANOPOLICYUSER0001", "NoPolicy/Secret+Key/00000000000000000000"
	keyNoIAM, secretNoIAM       = "AKIANOIAMACCESS00001", "NoIamAccess/Secret+Key/00000000000000000"
	keyNew, secretNew           = "AKIANEWKEYVALIDLATER", "NewKey/Secret+Key/0000000000000000000000"
	keyExpiring, secretExpiring = "AKIAEXPIRESAFTER0060", "Expires/Secret+Key/000000000000000000000"
	keyInactive, secretInactive = "AKIAINACTIVEKEY00001", "Inactive/Secret+Key/00000000000000000000"
	keyRoot, secretRoot         = "AKIAROOTKEY000000001", "RootKey/Secret+Key/000000000000000000000"
	keyOther, secretOther       = "AKIAOTHERACCOUNT0001", "OtherAccount/Secret+Key/0000000000000000"
	keyUnknown                  = "AKIAUNKNOWNKEY000001"
	wrongSecret                 = "Wrong/Secret+Key/00000000000000000000000"
)

var (
	sts       = emulator.AWSRoute("sts", "GetCallerIdentity")
	userPols  = emulator.AWSRoute("iam", "ListAttachedUserPolicies")
	groups    = emulator.AWSRoute("iam", "ListGroupsForUser")
	groupPols = emulator.AWSRoute("iam", "ListAttachedGroupPolicies")
)

// awsEmulator is the emulator's STS and IAM with the fixture, on loopback.
type awsEmulator struct {
	srv   *emulator.Server
	url   string // where STS and IAM are served
	clock *clockwork.FakeClock

	mu             sync.Mutex
	authorizations []string // of every request, as the emulator received them
	tokens         int      // requests that carried X-Amz-Security-Token
}

// newAWSEmulator starts the emulator and points the SDK's standard endpoint settings at
// it. Its clock starts at the real time, with which the SDK signs; skew moves it.
func newAWSEmulator(t *testing.T, skew time.Duration) *awsEmulator {
	t.Helper()
	dir, err := emulator.LoadAWSDirectory("../emulator/testdata/aws.json")
	if err != nil {
		t.Fatal(err)
	}
	e := &awsEmulator{clock: clockwork.NewFakeClockAt(time.Now().Add(skew))}
	e.srv, err = emulator.New(emulator.Options{AWS: dir, Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.authorizations = append(e.authorizations, r.Header.Get("Authorization"))
		if r.Header.Get("X-Amz-Security-Token") != "" {
			e.tokens++
		}
		e.mu.Unlock()
		e.srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	e.url = ts.URL + emulator.AWSPath
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "")
	t.Setenv("AWS_ENDPOINT_URL_STS", e.url)
	t.Setenv("AWS_ENDPOINT_URL_IAM", e.url)
	return e
}

// counts are the emulator's answers to the pre-flight's routes, any status.
func (e *awsEmulator) counts() map[string]int {
	c := e.srv.Counts()
	out := map[string]int{}
	for _, route := range []string{sts, userPols, groups, groupPols} {
		if n := c.Total(route, ""); n > 0 {
			out[route] = n
		}
	}
	return out
}

func check(t *testing.T, key, secret string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // guards a hang only
	defer cancel()
	return aws.WithoutBackoff(aws.Preflight{}).Check(ctx, key, secret)
}

func TestPreflight_againstTheEmulator(t *testing.T) {
	const account = "111122223333"
	cases := []struct {
		name, key, secret string
		account           string
		// failure: the *Failure expected; nil with wantErr: another error
		failure   *aws.Failure
		wantErr   string
		propagate bool
		requests  map[string]int
	}{
		{name: "works: policy attached to the user, on its 2nd page", key: keyDirect, secret: secretDirect, account: account,
			requests: map[string]int{sts: 1, userPols: 2}},
		{name: "works: policy attached to its 3rd group, on the 2nd page of each list", key: keyGroup, secret: secretGroup, account: account,
			requests: map[string]int{sts: 1, userPols: 1, groups: 2, groupPols: 1 + 1 + 2}},
		{name: "works: a root key, which may do everything", key: keyRoot, secret: secretRoot, account: account,
			requests: map[string]int{sts: 1}},
		{name: "missing policy: a customer policy of the same name is not it", key: keyNoPolicy, secret: secretNoPolicy, account: account,
			failure: &aws.Failure{Reason: "missing_policy", Missing: []string{"IAMReadOnlyAccess"}, User: "arn:aws:iam::111122223333:user/no-policy"},
			wantErr: "the IAM user arn:aws:iam::111122223333:user/no-policy lacks IAMReadOnlyAccess",
			// its one group, developers, is read too
			requests: map[string]int{sts: 1, userPols: 1, groups: 1, groupPols: 1}},
		{name: "IAM refuses the reads: not a verdict", key: keyNoIAM, secret: secretNoIAM, account: account,
			wantErr:  "may not read its own IAM policies",
			requests: map[string]int{sts: 1, userPols: 1}},
		{name: "wrong secret", key: keyDirect, secret: wrongSecret,
			failure:  &aws.Failure{Reason: "invalid_access_key", Code: "SignatureDoesNotMatch"},
			wantErr:  "invalid_access_key (SignatureDoesNotMatch): the secret access key is not this access key's",
			requests: map[string]int{sts: 1}},
		{name: "unknown key", key: keyUnknown, secret: secretDirect,
			failure:   &aws.Failure{Reason: "invalid_access_key", Code: "InvalidClientTokenId"},
			wantErr:   "invalid_access_key (InvalidClientTokenId)",
			propagate: true, requests: map[string]int{sts: 1}},
		{name: "inactive key", key: keyInactive, secret: secretInactive,
			failure:   &aws.Failure{Reason: "invalid_access_key", Code: "InvalidClientTokenId"},
			wantErr:   "invalid_access_key (InvalidClientTokenId)",
			propagate: true, requests: map[string]int{sts: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newAWSEmulator(t, 0)
			account, err := check(t, c.key, c.secret)
			if account != c.account {
				t.Errorf("account %q, want %q", account, c.account)
			}
			var f *aws.Failure
			isFailure := errors.As(err, &f)
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("error: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("error %v, want one saying %q", err, c.wantErr)
			case c.failure == nil && isFailure:
				t.Fatalf("a *Failure %+v; want another error, so that Segura decides", *f)
			case c.failure != nil && !isFailure:
				t.Fatalf("error %v, want a *Failure", err)
			case c.failure != nil && (!reflect.DeepEqual(f, c.failure) || f.CanPropagate() != c.propagate):
				t.Fatalf("got %+v (propagates %v), want %+v (%v)", *f, f.CanPropagate(), *c.failure, c.propagate)
			}
			if got := e.counts(); !reflect.DeepEqual(got, c.requests) {
				t.Errorf("requests %v, want %v", got, c.requests)
			}
		})
	}
}

func TestPreflight_keyValidOnlyAfterSomeSeconds(t *testing.T) {
	e := newAWSEmulator(t, 0)
	_, err := check(t, keyNew, secretNew)
	var f *aws.Failure
	if !errors.As(err, &f) || f.Code != "InvalidClientTokenId" || !f.CanPropagate() {
		t.Fatalf("before it propagates: %v, want InvalidClientTokenId, which may propagate", err)
	}
	e.clock.Advance(20 * time.Second)
	if account, err := check(t, keyNew, secretNew); err != nil || account != "111122223333" {
		t.Fatalf("after 20 s: %q, %v; want the account and no error", account, err)
	}
}

func TestPreflight_expiredKey(t *testing.T) {
	e := newAWSEmulator(t, 0)
	if _, err := check(t, keyExpiring, secretExpiring); err != nil {
		t.Fatalf("before it expires: %v", err)
	}
	e.clock.Advance(time.Minute)
	_, err := check(t, keyExpiring, secretExpiring)
	var f *aws.Failure
	if !errors.As(err, &f) || f.Reason != "invalid_access_key" || f.Code != "InvalidClientTokenId" {
		t.Fatalf("after it expired: %v, want invalid_access_key (InvalidClientTokenId)", err)
	}
}

func TestPreflight_neverUsesTheProcessAWSSettings(t *testing.T) {
	e := newAWSEmulator(t, 0)
	var metadata sync.Mutex
	metadataCalls := 0
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		metadata.Lock()
		metadataCalls++
		metadata.Unlock()
		http.Error(w, "the pre-flight must not ask for the instance's credentials", http.StatusForbidden)
	}))
	t.Cleanup(imds.Close)
	dir := t.TempDir()
	marker := filepath.Join(dir, "credential-process-ran")
	process := `credential_process = /bin/sh -c "touch ` + marker + `"`
	files := map[string]string{
		// Keys of another account of the fixture: were they used, STS would name it.
		"credentials": "[default]\naws_access_key_id = " + keyOther + "\naws_secret_access_key = " + secretOther +
			"\n[does-not-exist]\naws_access_key_id = " + keyOther + "\naws_secret_access_key = " + secretOther + "\n",
		"config": "[default]\nregion = eu-west-1\n" + process + "\n[profile does-not-exist]\nregion = eu-west-1\n" + process + "\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range map[string]string{
		"AWS_PROFILE":                            "does-not-exist",
		"AWS_ACCESS_KEY_ID":                      keyOther,
		"AWS_SECRET_ACCESS_KEY":                  secretOther,
		"AWS_SESSION_TOKEN":                      "session-token-of-the-process",
		"AWS_REGION":                             "eu-west-1",
		"AWS_DEFAULT_REGION":                     "eu-west-1",
		"AWS_SHARED_CREDENTIALS_FILE":            filepath.Join(dir, "credentials"),
		"AWS_CONFIG_FILE":                        filepath.Join(dir, "config"),
		"AWS_EC2_METADATA_SERVICE_ENDPOINT":      imds.URL,
		"AWS_EC2_METADATA_DISABLED":              "false",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI":     imds.URL + "/container",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN":      "token-of-the-process",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
	} {
		t.Setenv(k, v)
	}

	account, err := check(t, keyDirect, secretDirect)
	if err != nil || account != "111122223333" {
		t.Fatalf("%q, %v; want the connection key's account and no error", account, err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.authorizations) != 3 { // STS, and two pages of the user's policies
		t.Fatalf("%d requests, want 3", len(e.authorizations))
	}
	for _, a := range e.authorizations {
		if !strings.HasPrefix(a, "AWS4-HMAC-SHA256 Credential="+keyDirect+"/") || !strings.Contains(a, "/us-east-1/") {
			t.Errorf("a request signed %q; want the connection's key, in us-east-1", a)
		}
	}
	if e.tokens != 0 {
		t.Errorf("%d requests carried the process's session token", e.tokens)
	}
	metadata.Lock()
	defer metadata.Unlock()
	if metadataCalls != 0 {
		t.Errorf("the instance metadata service was asked %d times", metadataCalls)
	}
	if _, err := os.Stat(marker); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the config file's credential_process ran (%v)", err)
	}
}

// roundTripFunc records where requests would go and answers none of them: no request leaves
// the machine.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestPreflight_endpointSettings(t *testing.T) {
	e := newAWSEmulator(t, 0)
	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a request went to AWS_ENDPOINT_URL while a service's own setting was set: %s", r.URL)
		http.Error(w, "wrong endpoint", http.StatusServiceUnavailable)
	}))
	t.Cleanup(refuse.Close)

	t.Run("a service's setting wins over AWS_ENDPOINT_URL", func(t *testing.T) {
		t.Setenv("AWS_ENDPOINT_URL", refuse.URL)
		if _, err := check(t, keyDirect, secretDirect); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("AWS_ENDPOINT_URL serves both when they are not set", func(t *testing.T) {
		t.Setenv("AWS_ENDPOINT_URL_STS", "")
		t.Setenv("AWS_ENDPOINT_URL_IAM", "")
		t.Setenv("AWS_ENDPOINT_URL", e.url)
		before := e.counts()[sts]
		if _, err := check(t, keyGroup, secretGroup); err != nil {
			t.Fatal(err)
		}
		if e.counts()[sts] != before+1 {
			t.Fatal("STS was not asked at AWS_ENDPOINT_URL")
		}
	})
	t.Run("AWS's own endpoints otherwise, in us-east-1", func(t *testing.T) {
		t.Setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
		var hosts []string
		p := aws.WithoutBackoff(aws.Preflight{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			hosts = append(hosts, r.URL.Host)
			return nil, errors.New("no network in tests")
		})})
		_, err := p.Check(context.Background(), keyDirect, secretDirect)
		var f *aws.Failure
		if err == nil || errors.As(err, &f) {
			t.Fatalf("%v, want an error that is not a *Failure", err)
		}
		// two attempts: the SDK retries once
		if want := []string{"sts.us-east-1.amazonaws.com", "sts.us-east-1.amazonaws.com"}; !reflect.DeepEqual(hosts, want) {
			t.Fatalf("requests to %q, want %q", hosts, want)
		}
	})
}

func TestPreflight_retriesOnce(t *testing.T) {
	for _, c := range []struct {
		name    string
		fault   emulator.Fault
		answers map[string]int // of STS, by status
		ok      bool
	}{
		{"one 500 is retried", emulator.Fault{Route: sts, Status: 500, Count: 1}, map[string]int{"500": 1, "200": 1}, true},
		{"a second is not", emulator.Fault{Route: sts, Status: 503}, map[string]int{"503": 2}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newAWSEmulator(t, 0)
			if err := e.srv.AddFault(c.fault); err != nil {
				t.Fatal(err)
			}
			_, err := check(t, keyRoot, secretRoot)
			var f *aws.Failure
			if c.ok != (err == nil) || errors.As(err, &f) {
				t.Fatalf("error %v; want ok=%v and never a *Failure", err, c.ok)
			}
			if got := e.srv.Counts().Routes[sts]; !reflect.DeepEqual(got, c.answers) {
				t.Fatalf("STS answered %v, want %v", got, c.answers)
			}
		})
	}
}

func TestPreflight_followsNoRedirect(t *testing.T) {
	newAWSEmulator(t, 0)
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a redirect was followed to %s %s", r.Method, r.URL)
	}))
	t.Cleanup(elsewhere.Close)
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, elsewhere.URL+r.URL.Path, status)
			}))
			t.Cleanup(redirect.Close)
			t.Setenv("AWS_ENDPOINT_URL_STS", redirect.URL)
			_, err := check(t, keyDirect, secretDirect)
			var f *aws.Failure
			if err == nil || errors.As(err, &f) {
				t.Fatalf("%v, want an error that is not a *Failure", err)
			}
		})
	}
}

func TestPreflight_clockSkew(t *testing.T) {
	t.Run("corrected by AWS's Date", func(t *testing.T) {
		e := newAWSEmulator(t, 20*time.Minute)
		if _, err := check(t, keyDirect, secretDirect); err != nil {
			t.Fatal(err)
		}
		if n := e.srv.Counts().Routes[sts]["403"]; n != 1 {
			t.Fatalf("STS refused %d requests, want 1 (then the SDK corrects its clock)", n)
		}
	})
	t.Run("not a wrong secret when it cannot be corrected", func(t *testing.T) {
		newAWSEmulator(t, 20*time.Minute)
		withoutDate := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := http.DefaultTransport.RoundTrip(r)
			if err == nil {
				resp.Header.Del("Date")
			}
			return resp, err
		})
		_, err := aws.WithoutBackoff(aws.Preflight{Transport: withoutDate}).Check(context.Background(), keyDirect, secretDirect)
		var f *aws.Failure
		if err == nil || errors.As(err, &f) || !strings.Contains(err.Error(), "check this machine's clock") {
			t.Fatalf("%v, want an error about the clock, not a *Failure", err)
		}
	})
}

func TestPrincipal(t *testing.T) {
	cases := []struct {
		arn, user string
		root, err bool
	}{
		{arn: "arn:aws:iam::111122223333:user/alice", user: "alice"},
		{arn: "arn:aws:iam::111122223333:user/team/ops/alice", user: "alice"},
		{arn: "arn:aws-us-gov:iam::111122223333:user/alice", user: "alice"},
		{arn: "arn:aws:iam::111122223333:root", root: true},
		{arn: "arn:aws:sts::111122223333:assumed-role/Reader/session", err: true},
		{arn: "arn:aws:sts::111122223333:federated-user/bob", err: true},
		{arn: "arn:aws:iam::111122223333:user/", err: true},
		{arn: "arn:aws:iam::111122223333:role/Reader", err: true},
		{arn: "", err: true},
	}
	for _, c := range cases {
		user, root, err := aws.Principal(c.arn)
		if user != c.user || root != c.root || (err != nil) != c.err {
			t.Errorf("%q: %q %v %v, want %q %v error=%v", c.arn, user, root, err, c.user, c.root, c.err)
		}
	}
}
