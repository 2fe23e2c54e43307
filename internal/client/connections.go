package client

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// Every kind of connection of the contract (an Azure tenant, an AWS account, ...) is a
// collection with the same calls: an idempotent create, get, update, delete, reprocess and a
// list read page by page. A Collection holds what one kind adds to that: its path, the key in
// its objects, its secret fields and the refusals Segura keeps for replay. A kind's file holds
// its wire object, its inputs and its Collection; everything else is here, once.

// Connection is what every kind's object has: the contract's shared fields.
type Connection struct {
	Name            string          `json:"name"`
	Tags            []string        `json:"tags"`
	Status          string          `json:"status"`
	ConnectedAt     time.Time       `json:"connected_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
	Synchronization Synchronization `json:"synchronization"`
}

// Object is the wire object of a kind, as a pointer: its key, its shared fields, and what
// breaks the contract in its own fields.
type Object[T any] interface {
	*T
	// Key is the connection's key as the answer gave it, such as the tenant or account ID.
	Key() string
	// Shared is the part every kind has.
	Shared() *Connection
	// problem says what breaks the contract in the kind's own fields, or "".
	problem() string
}

// Collection is one kind of connection: T its wire object.
type Collection[T any, P Object[T]] struct {
	// Path is the collection's path from the base URL.
	Path string
	// Noun names what a connection's key is of, for messages: "tenant", "account".
	Noun string
	// Secrets are the JSON fields of its inputs whose values are secrets.
	Secrets []string
	// Verdicts are the error codes of a create's own refusals, which Segura keeps for replay
	// under its Idempotency-Key (validation_failed is one of every kind).
	Verdicts []string
}

func (k Collection[T, P]) itemPath(key string) string { return k.Path + "/" + url.PathEscape(key) }

// Create connects what in describes so that a create whose answer was lost converges, and
// nothing is adopted that these credentials did not create (DESIGN.md, "Creating"). wantKey is
// the key that in names, or "" for a kind whose key Segura reads from the credential.
//
// Its Idempotency-Key is derived from the request body, keyed with the client secret, and
// reused for every retry: a later run with the same settings sends the same key, and
// Segura replays the first answer. A replayed success is adopted while the connection it
// made, found by the key in the answer, still exists with the same connected_at. A replayed
// refusal, or a success whose connection is gone, is stale: the body is sent again under the
// next key, derived from this key and the replayed answer, so that every run walks the same
// chain to the first key Segura has not seen. Only the call's deadline bounds the chain.
func (k Collection[T, P]) Create(ctx context.Context, c *Client, in any, wantKey string) (*T, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("client: encoding POST %s: %w", k.Path, err)
	}
	secrets := c.secretsOf(body)
	first := c.derivedKey([]byte("segura create v1"), body)
	key := first
	if next, ok := c.chains.Load(first); ok {
		key = next.(string) // where this process left the chain
	}
	for {
		var out T
		cl := call{method: http.MethodPost, path: k.Path, body: json.RawMessage(body), out: &out,
			header: http.Header{headerIdempotencyKey: []string{key}}}
		ans, err := c.do(ctx, cl)
		if err == nil {
			err = check[T, P](cl, ans, &out, k.Noun, wantKey, secrets)
		}
		if ans == nil || !ans.replayed() || errors.As(err, new(*InvalidAnswerError)) {
			if ans != nil && k.isVerdict(err) {
				// Segura keeps this refusal for replay: this process's next create of the body
				// starts after it, where a replay would lead.
				c.chains.Store(first, nextKey(c, key, ans))
			}
			if err != nil {
				return nil, err
			}
			return &out, nil
		}
		if err == nil {
			current, err := k.Get(ctx, c, P(&out).Key())
			switch {
			case err == nil && P(current).Shared().ConnectedAt.Equal(P(&out).Shared().ConnectedAt):
				return current, nil
			case err != nil && !IsNotFound(err):
				return nil, err
			}
		}
		key = nextKey(c, key, ans)
		c.chains.Store(first, key)
	}
}

// nextKey is the key of the chain after key, whose answer was ans.
func nextKey(c *Client, key string, ans *answer) string {
	return c.derivedKey([]byte(key), []byte(strconv.Itoa(ans.status)), ans.body)
}

// isVerdict reports whether err is a create's own refusal, which Segura keeps for replay
// under its key: a validation, conflict or cloud verdict. Refusals given before a key is
// claimed (401, 403, 429, a key in flight) and server faults are not kept.
func (k Collection[T, P]) isVerdict(err error) bool {
	apiErr, ok := AsAPIError(err)
	return ok && (apiErr.Code == CodeValidationFailed || slices.Contains(k.Verdicts, apiErr.Code))
}

// derivedKey is an Idempotency-Key: the HMAC-SHA256 of parts, keyed with the client secret.
func (c *Client) derivedKey(parts ...[]byte) string {
	mac := hmac.New(sha256.New, []byte(c.cfg.ClientSecret))
	for _, p := range parts {
		mac.Write(p)
		mac.Write([]byte{0})
	}
	return hex.EncodeToString(mac.Sum(nil))
}

// Get reads one connection; IsNotFound(err) when there is none.
func (k Collection[T, P]) Get(ctx context.Context, c *Client, key string) (*T, error) {
	return k.one(ctx, c, key, call{method: http.MethodGet, path: k.itemPath(key)})
}

// Update changes the fields of in (a kind's PATCH body) that are set.
func (k Collection[T, P]) Update(ctx context.Context, c *Client, key string, in any) (*T, error) {
	return k.one(ctx, c, key, call{method: http.MethodPatch, path: k.itemPath(key), body: in})
}

// Reprocess asks Segura to synchronize the connection now; the answer has the run that is
// pending or running. IsConflict(err, CodeConnectionInactive) for an inactive one.
func (k Collection[T, P]) Reprocess(ctx context.Context, c *Client, key string) (*T, error) {
	return k.one(ctx, c, key, call{method: http.MethodPost, path: k.itemPath(key) + pathReprocess})
}

// Delete disconnects a connection; IsNotFound(err) when there is none.
func (k Collection[T, P]) Delete(ctx context.Context, c *Client, key string) error {
	_, err := c.do(ctx, call{method: http.MethodDelete, path: k.itemPath(key)})
	return err
}

// one runs cl, whose answer is the connection of key, checked.
func (k Collection[T, P]) one(ctx context.Context, c *Client, key string, cl call) (*T, error) {
	var out T
	cl.out = &out
	ans, err := c.do(ctx, cl)
	if err == nil {
		err = check[T, P](cl, ans, &out, k.Noun, key, c.secretsOf(ans.sentBody))
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ListInput filters a list. Every tag in Tags must be present on a connection.
type ListInput struct {
	Status string
	Tags   []string
	// Filters are the kind's own filters, such as integration_mode.
	Filters url.Values
	// PageSize is the number of items a page, at most MaxPageSize; zero leaves the server's
	// default (50).
	PageSize  int
	PageToken string
}

// Page is one page of a list.
type Page[T any] struct {
	Items         []T    `json:"items"`
	NextPageToken string `json:"next_page_token,omitempty"`
}

// List reads one page.
func (k Collection[T, P]) List(ctx context.Context, c *Client, in ListInput) (*Page[T], error) {
	q := url.Values{}
	for name, values := range in.Filters {
		q[name] = values
	}
	if in.Status != "" {
		q.Set(queryStatus, in.Status)
	}
	for _, t := range in.Tags {
		q.Add(queryTag, t)
	}
	if in.PageSize > 0 {
		q.Set(queryPageSize, strconv.Itoa(in.PageSize))
	}
	if in.PageToken != "" {
		q.Set(queryPageToken, in.PageToken)
	}
	var out Page[T]
	cl := call{method: http.MethodGet, path: k.Path, query: q, out: &out}
	ans, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	secrets := c.secretsOf(nil)
	for i := range out.Items {
		if err := check[T, P](cl, ans, &out.Items[i], k.Noun, "", secrets); err != nil {
			return nil, err
		}
	}
	return &out, nil
}

// MaxPages bounds the pages of one list: 2,000,000 connections at 200 a page.
const MaxPages = 10_000

// Pages walks the pages of a list one Next at a time, so that its caller decides when to
// stop and with which context each page is read. It ends with an error when a page token
// comes again (a server that would loop) or past MaxPages pages.
type Pages[T any, P Object[T]] struct {
	c    *Client
	k    Collection[T, P]
	in   ListInput
	seen map[string]bool
	done bool
}

// Pages walks the connections that match in, page by page.
func (k Collection[T, P]) Pages(c *Client, in ListInput) *Pages[T, P] {
	return &Pages[T, P]{c: c, k: k, in: in, seen: map[string]bool{}}
}

// Done reports whether the last page has been read.
func (p *Pages[T, P]) Done() bool { return p.done }

// Next reads the next page; nil, nil once Done.
func (p *Pages[T, P]) Next(ctx context.Context) (*Page[T], error) {
	switch {
	case p.done:
		return nil, nil
	case len(p.seen) >= MaxPages:
		return nil, fmt.Errorf("client: GET %s: more than %d pages; stopped", p.k.Path, MaxPages)
	}
	page, err := p.k.List(ctx, p.c, p.in)
	if err != nil {
		return nil, err
	}
	next := page.NextPageToken
	if p.seen[next] {
		return nil, fmt.Errorf("client: GET %s: the server gave page token %q again; stopped, as it would never end",
			p.k.Path, next)
	}
	p.seen[next], p.in.PageToken, p.done = true, next, next == ""
	return page, nil
}

// All yields every connection that matches in, following the pages to the last. It stops
// at the first error, which it yields.
func (k Collection[T, P]) All(ctx context.Context, c *Client, in ListInput) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for pages := k.Pages(c, in); !pages.Done(); {
			page, err := pages.Next(ctx)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, t := range page.Items {
				if !yield(t, nil) {
					return
				}
			}
		}
	}
}
