package client

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Answers are checked against the contract before anyone uses them: a connection other than
// the one asked for, or one that lacks a field or holds a malformed one, is an
// *InvalidAnswerError, so that the provider's state never holds what the server did not
// properly say.

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Values of the contract's enumerations.
var (
	statuses   = []string{StatusActive, StatusInactive}
	syncStates = []string{SyncPending, SyncRunning, SyncSucceeded, SyncFailed}
)

// problem says what breaks the contract in the shared fields, or "".
func (s *Connection) problem() string {
	switch {
	case strings.TrimSpace(s.Name) == "":
		return "name is missing"
	case !slices.Contains(statuses, s.Status):
		return fmt.Sprintf("status %q is not active or inactive", s.Status)
	case s.ConnectedAt.IsZero():
		return "connected_at is missing"
	case !slices.Contains(syncStates, s.Synchronization.State):
		return fmt.Sprintf("synchronization.state %q is not one of %s", s.Synchronization.State, strings.Join(syncStates, ", "))
	case slices.Contains(s.Tags, ""):
		return "a tag is empty"
	}
	return ""
}

// problemOf says what breaks the contract in obj, or "". wantKey, when not empty, is the key
// the request was about.
func problemOf[T any, P Object[T]](obj P, noun, wantKey string) string {
	if p := obj.problem(); p != "" {
		return p
	}
	if wantKey != "" && !strings.EqualFold(obj.Key(), wantKey) {
		return fmt.Sprintf("it is about %s %s, not %s", noun, obj.Key(), wantKey)
	}
	return obj.Shared().problem()
}

// check returns an *InvalidAnswerError when obj, the answer of cl, breaks the contract.
func check[T any, P Object[T]](cl call, ans *answer, obj P, noun, wantKey string, secrets []string) error {
	if p := problemOf[T](obj, noun, wantKey); p != "" {
		return &InvalidAnswerError{Method: cl.method, Path: cl.path, RequestID: ans.header.Get(headerRequestID), Problem: p,
			secrets: secrets}
	}
	return nil
}
