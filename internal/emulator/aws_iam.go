package emulator

import (
	"encoding/base64"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// AWSPath is where the emulator serves AWS STS (GetCallerIdentity) and IAM
// (ListAttachedUserPolicies, ListGroupsForUser, ListAttachedGroupPolicies) in AWS's query
// protocol, as the SDKs call them: point AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL_IAM (or
// AWS_ENDPOINT_URL) at the emulator's URL followed by AWSPath, with no trailing slash: the
// SDK sends every action to its endpoint's path as written, and only AWSPath itself is
// served. The service is told by the credential scope of the request's signature, as both
// services share the path.
const AWSPath = "/_aws"

// AWSRoute is the route, as Counts and faults name it, of an STS or IAM action as the SDKs
// send it, such as AWSRoute("sts", "GetCallerIdentity"). A fault injected on it answers with
// the API's JSON error body, which AWS's clients read by its status alone.
func AWSRoute(service, action string) string {
	return "POST " + AWSPath + " " + service + ":" + action
}

// awsServices are the services served, by the name of their credential scope: the XML
// namespace and API version of each, and its actions.
var awsServices = map[string]struct {
	namespace, version string
	actions            []string
}{
	"sts": {"https://sts.amazonaws.com/doc/2011-06-15/", "2011-06-15", []string{"GetCallerIdentity"}},
	"iam": {"https://iam.amazonaws.com/doc/2010-05-08/", "2010-05-08",
		[]string{"ListAttachedUserPolicies", "ListGroupsForUser", "ListAttachedGroupPolicies"}},
}

// awsPageSize is the page size of IAM lists that ask for none: AWS's is 100, the emulator's
// is small so that every client's paging is exercised.
const awsPageSize = 2

// awsError is an error as AWS's query protocol answers it.
type awsError struct {
	status        int
	code, message string
}

// awsRequest is a query-protocol request, read before it is routed.
type awsRequest struct {
	body            []byte
	form            url.Values
	service, action string
	auth            sigV4
	authErr         *awsError
}

// handleAWS reads the request to name its route (the service and the action), then serves
// it as that route.
func (s *Server) handleAWS(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		s.writeAWSError(w, r, awsServices["sts"].namespace, &awsError{http.StatusBadRequest, "MalformedInput", "the body could not be read"})
		return
	}
	req := awsRequest{body: body, form: r.URL.Query()}
	if r.Method == http.MethodPost {
		posted, err := url.ParseQuery(string(body))
		if err != nil {
			s.writeAWSError(w, r, awsServices["sts"].namespace, &awsError{http.StatusBadRequest, "MalformedQueryString", "the body is not form-encoded"})
			return
		}
		for k, v := range posted {
			req.form[k] = append(req.form[k], v...)
		}
	}
	req.action = req.form.Get("Action")
	if h := r.Header.Get("Authorization"); h == "" {
		req.authErr = &awsError{http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token"}
	} else if auth, ok := parseSigV4(h); !ok {
		req.authErr = &awsError{http.StatusBadRequest, "IncompleteSignature", "Authorization header is not AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..."}
	} else if _, ok := awsServices[auth.service]; !ok {
		req.authErr = &awsError{http.StatusForbidden, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts' or 'iam'."}
	} else {
		req.auth, req.service = auth, auth.service
	}
	if req.service == "" { // answer in the namespace of the service the action is of
		req.service = "iam"
		if req.action == "GetCallerIdentity" {
			req.service = "sts"
		}
	}
	route := r.Method + " " + AWSPath
	if slices.Contains(awsServices[req.service].actions, req.action) {
		route += " " + req.service + ":" + req.action
	}
	s.instrument(route, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serveAWS(w, r, req) })).ServeHTTP(w, r)
}

// serveAWS authenticates the request as AWS does (the key, then its signature), then
// serves its action.
func (s *Server) serveAWS(w http.ResponseWriter, r *http.Request, req awsRequest) {
	svc := awsServices[req.service]
	fail := func(e *awsError) { s.writeAWSError(w, r, svc.namespace, e) }
	if req.authErr != nil {
		fail(req.authErr)
		return
	}
	now := s.now()
	c := s.opts.AWS.caller(req.auth.keyID, now.Sub(s.started))
	if c == nil {
		fail(&awsError{http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid."})
		return
	}
	if !c.demo {
		if e := checkSigV4(r, req.body, req.auth, c.key.SecretAccessKey, now); e != nil {
			fail(e)
			return
		}
	}
	switch {
	case req.action == "":
		fail(&awsError{http.StatusBadRequest, "MissingAction", "Missing Action"})
		return
	case !slices.Contains(svc.actions, req.action) || req.form.Get("Version") != svc.version:
		fail(&awsError{http.StatusBadRequest, "InvalidAction",
			"Could not find operation " + req.action + " for version " + req.form.Get("Version")})
		return
	}
	var result any
	var e *awsError
	if req.service == "sts" {
		result = getCallerIdentityResult{Arn: c.arn(), UserID: c.userID(), Account: c.account.AccountID}
	} else {
		result, e = s.iamAction(c, req.action, req.form)
	}
	if e != nil {
		fail(e)
		return
	}
	id := awsRequestID(r)
	s.writeAWS(w, http.StatusOK, id, awsResponse{
		XMLName: xml.Name{Space: svc.namespace, Local: req.action + "Response"}, Result: result, RequestID: id})
}

// iamAction serves an IAM read of the caller's own account.
func (s *Server) iamAction(c *awsCaller, action string, form url.Values) (any, *awsError) {
	param, resource := "UserName", "user"
	if action == "ListAttachedGroupPolicies" {
		param, resource = "GroupName", "group"
	}
	name := form.Get(param)
	if name == "" {
		return nil, &awsError{http.StatusBadRequest, "ValidationError", "1 validation error detected: Value null at '" +
			strings.ToLower(param[:1]) + param[1:] + "' failed to satisfy constraint: Member must not be null"}
	}
	if !c.mayReadIAM() {
		return nil, &awsError{http.StatusForbidden, "AccessDenied", "User: " + c.arn() + " is not authorized to perform: iam:" +
			action + " on resource: " + resource + " " + name + " because no identity-based policy allows the iam:" + action + " action"}
	}
	var policies []string
	if resource == "group" {
		g := c.account.group(name)
		if g == nil {
			return nil, &awsError{http.StatusNotFound, "NoSuchEntity", "The group with name " + name + " cannot be found."}
		}
		policies = g.Policies
	} else {
		u := c.account.user(name)
		if u == nil {
			return nil, &awsError{http.StatusNotFound, "NoSuchEntity", "The user with name " + name + " cannot be found."}
		}
		if action == "ListGroupsForUser" {
			var groups []iamGroup
			for _, gn := range u.Groups {
				g := c.account.group(gn)
				groups = append(groups, iamGroup{Path: cmpPath(g.Path), GroupName: g.GroupName,
					GroupID: awsID("AGPA", c.account.AccountID+"/group/"+g.GroupName),
					Arn:     "arn:aws:iam::" + c.account.AccountID + ":group" + cmpPath(g.Path) + g.GroupName,
					// every entity of the fixture exists since the emulator started
					CreateDate: s.started.UTC().Format("2006-01-02T15:04:05Z")})
			}
			page, marker, e := awsPage(groups, form)
			if e != nil {
				return nil, e
			}
			return groupsForUserResult{Groups: awsMembers[iamGroup]{page}, IsTruncated: marker != "", Marker: marker}, nil
		}
		policies = u.Policies
	}
	var attached []attachedPolicy
	for _, p := range policies {
		attached = append(attached, attachedPolicy{PolicyName: policyName(p), PolicyArn: policyARN(p)})
	}
	page, marker, e := awsPage(attached, form)
	if e != nil {
		return nil, e
	}
	result := attachedPolicies{AttachedPolicies: awsMembers[attachedPolicy]{page}, IsTruncated: marker != "", Marker: marker}
	if resource == "group" {
		return listAttachedGroupPoliciesResult{attachedPolicies: result}, nil
	}
	return listAttachedUserPoliciesResult{attachedPolicies: result}, nil
}

// awsPage is the page of items that the request's MaxItems (1 to 1000, default awsPageSize)
// and Marker ask for, and the marker of the next page, empty after the last.
func awsPage[T any](items []T, form url.Values) ([]T, string, *awsError) {
	size := awsPageSize
	if v := form.Get("MaxItems"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return nil, "", &awsError{http.StatusBadRequest, "ValidationError",
				"1 validation error detected: Value '" + v + "' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000"}
		}
		size = n
	}
	from := 0
	if m := form.Get("Marker"); m != "" {
		b, err := base64.RawURLEncoding.DecodeString(m)
		n, convErr := strconv.Atoi(strings.TrimPrefix(string(b), "from:"))
		if err != nil || convErr != nil || n < 0 || n > len(items) || !strings.HasPrefix(string(b), "from:") {
			return nil, "", &awsError{http.StatusBadRequest, "ValidationError", "Invalid Marker"}
		}
		from = n
	}
	to := min(from+size, len(items))
	if to == len(items) {
		return items[from:to], "", nil
	}
	return items[from:to], base64.RawURLEncoding.EncodeToString([]byte("from:" + strconv.Itoa(to))), nil
}

func (c *awsCaller) userID() string {
	if c.user == nil {
		return c.account.AccountID // the root user's ID is its account's
	}
	return awsID("AIDA", c.account.AccountID+"/user/"+c.user.UserName)
}

// The XML answers of the query protocol; each action's result is the element
// <Action>Result inside <Action>Response, in its service's namespace.
type (
	awsResponse struct {
		XMLName   xml.Name
		Result    any
		RequestID string `xml:"ResponseMetadata>RequestId"`
	}
	getCallerIdentityResult struct {
		XMLName xml.Name `xml:"GetCallerIdentityResult"`
		Arn     string   `xml:"Arn"`
		UserID  string   `xml:"UserId"`
		Account string   `xml:"Account"`
	}
	awsMembers[T any] struct {
		Members []T `xml:"member"`
	}
	attachedPolicy struct {
		PolicyName string `xml:"PolicyName"`
		PolicyArn  string `xml:"PolicyArn"`
	}
	attachedPolicies struct {
		AttachedPolicies awsMembers[attachedPolicy] `xml:"AttachedPolicies"`
		IsTruncated      bool                       `xml:"IsTruncated"`
		Marker           string                     `xml:"Marker,omitempty"`
	}
	listAttachedUserPoliciesResult struct {
		XMLName xml.Name `xml:"ListAttachedUserPoliciesResult"`
		attachedPolicies
	}
	listAttachedGroupPoliciesResult struct {
		XMLName xml.Name `xml:"ListAttachedGroupPoliciesResult"`
		attachedPolicies
	}
	iamGroup struct {
		Path       string `xml:"Path"`
		GroupName  string `xml:"GroupName"`
		GroupID    string `xml:"GroupId"`
		Arn        string `xml:"Arn"`
		CreateDate string `xml:"CreateDate"`
	}
	groupsForUserResult struct {
		XMLName     xml.Name             `xml:"ListGroupsForUserResult"`
		Groups      awsMembers[iamGroup] `xml:"Groups"`
		IsTruncated bool                 `xml:"IsTruncated"`
		Marker      string               `xml:"Marker,omitempty"`
	}
	awsErrorResponse struct {
		XMLName xml.Name
		Error   struct {
			Type    string `xml:"Type"`
			Code    string `xml:"Code"`
			Message string `xml:"Message"`
		} `xml:"Error"`
		RequestID string `xml:"RequestId"`
	}
)

// awsRequestID is the request's ID in AWS's form, a UUID.
func awsRequestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	if len(id) != 32 {
		id = newID()
	}
	return id[:8] + "-" + id[8:12] + "-" + id[12:16] + "-" + id[16:20] + "-" + id[20:]
}

// writeAWS answers in AWS's manner: XML, the request ID in x-amzn-RequestId, and the
// emulator's own time in Date, from which AWS's clients correct a skewed clock.
func (s *Server) writeAWS(w http.ResponseWriter, status int, requestID string, v any) {
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.Header().Set("Date", s.now().Format(http.TimeFormat))
	w.WriteHeader(status)
	_ = xml.NewEncoder(w).Encode(v) // the client has gone; nothing to tell
}

// writeAWSError answers e as AWS's ErrorResponse: Sender for the client's faults, Receiver
// for the server's.
func (s *Server) writeAWSError(w http.ResponseWriter, r *http.Request, namespace string, e *awsError) {
	id := awsRequestID(r)
	body := awsErrorResponse{XMLName: xml.Name{Space: namespace, Local: "ErrorResponse"}, RequestID: id}
	body.Error.Type, body.Error.Code, body.Error.Message = "Sender", e.code, e.message
	if e.status >= 500 {
		body.Error.Type = "Receiver"
	}
	s.writeAWS(w, e.status, id, body)
}
