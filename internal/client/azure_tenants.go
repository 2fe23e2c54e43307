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
	"strconv"
)

func tenantPath(tenantID string) string {
	return pathAzureTenants + "/" + url.PathEscape(tenantID)
}

// CreateAzureTenant connects a tenant so that a create whose answer was lost converges, and
// nothing is adopted that these credentials did not create (DESIGN.md, "Creating").
//
// Its Idempotency-Key is derived from the request body, keyed with the client secret, and
// reused for every retry: a later run with the same settings sends the same key, and
// Segura replays the first answer. A replayed success is adopted while the connection it
// made still exists with the same connected_at. A replayed refusal, or a success whose
// connection is gone, is stale: the body is sent again under the next key, derived from this
// key and the replayed answer, so that every run walks the same chain to the first key
// Segura has not seen. Only the call's deadline bounds the chain.
func (c *Client) CreateAzureTenant(ctx context.Context, in CreateAzureTenantInput) (*AzureTenant, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("client: encoding POST %s: %w", pathAzureTenants, err)
	}
	secrets := c.secretsOf(body)
	first := c.derivedKey([]byte("segura create v1"), body)
	key := first
	if next, ok := c.chains.Load(first); ok {
		key = next.(string) // where this process left the chain
	}
	for {
		var out AzureTenant
		cl := call{method: http.MethodPost, path: pathAzureTenants, body: json.RawMessage(body), out: &out,
			header: http.Header{headerIdempotencyKey: []string{key}}}
		ans, err := c.do(ctx, cl)
		if err == nil {
			err = checkTenant(cl, ans, &out, in.TenantID, secrets)
		}
		if ans == nil || !ans.replayed() || errors.As(err, new(*InvalidAnswerError)) {
			if ans != nil && isVerdict(err) {
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
			current, err := c.GetAzureTenant(ctx, in.TenantID)
			switch {
			case err == nil && current.ConnectedAt.Equal(out.ConnectedAt):
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
// under its key: a validation, conflict or Azure verdict. Refusals given before a key is
// claimed (401, 403, 429, a key in flight) and server faults are not kept.
func isVerdict(err error) bool {
	apiErr, ok := AsAPIError(err)
	if !ok {
		return false
	}
	switch apiErr.Code {
	case CodeValidationFailed, CodeTenantAlreadyConnected, CodeSecretInUse, CodeAzureConnectionFailed:
		return true
	}
	return false
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

// GetAzureTenant reads one connection; IsNotFound(err) when there is none.
func (c *Client) GetAzureTenant(ctx context.Context, tenantID string) (*AzureTenant, error) {
	return c.tenantCall(ctx, tenantID, call{method: http.MethodGet, path: tenantPath(tenantID)})
}

// UpdateAzureTenant changes the fields of in that are not nil.
func (c *Client) UpdateAzureTenant(ctx context.Context, tenantID string, in UpdateAzureTenantInput) (*AzureTenant, error) {
	return c.tenantCall(ctx, tenantID, call{method: http.MethodPatch, path: tenantPath(tenantID), body: in})
}

// tenantCall runs cl, whose answer is the connection of tenantID, checked.
func (c *Client) tenantCall(ctx context.Context, tenantID string, cl call) (*AzureTenant, error) {
	var out AzureTenant
	cl.out = &out
	ans, err := c.do(ctx, cl)
	if err == nil {
		err = checkTenant(cl, ans, &out, tenantID, c.secretsOf(ans.sentBody))
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ReprocessAzureTenant asks Segura to synchronize the connection now; the answer has the run
// that is pending or running. IsConflict(err, CodeConnectionInactive) for an inactive one.
func (c *Client) ReprocessAzureTenant(ctx context.Context, tenantID string) (*AzureTenant, error) {
	return c.tenantCall(ctx, tenantID, call{method: http.MethodPost, path: tenantPath(tenantID) + pathReprocess})
}

// DeleteAzureTenant disconnects a tenant; IsNotFound(err) when there is none.
func (c *Client) DeleteAzureTenant(ctx context.Context, tenantID string) error {
	_, err := c.do(ctx, call{method: http.MethodDelete, path: tenantPath(tenantID)})
	return err
}

// ListAzureTenants reads one page.
func (c *Client) ListAzureTenants(ctx context.Context, in ListAzureTenantsInput) (*AzureTenantPage, error) {
	q := url.Values{}
	if in.Status != "" {
		q.Set(queryStatus, in.Status)
	}
	if in.IntegrationMode != "" {
		q.Set(queryIntegrationMode, in.IntegrationMode)
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
	var out AzureTenantPage
	cl := call{method: http.MethodGet, path: pathAzureTenants, query: q, out: &out}
	ans, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	secrets := c.secretsOf(nil)
	for i := range out.Items {
		if err := checkTenant(cl, ans, &out.Items[i], "", secrets); err != nil {
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
type Pages struct {
	c    *Client
	in   ListAzureTenantsInput
	seen map[string]bool
	done bool
}

// AzureTenantPages walks the connections that match in, page by page.
func (c *Client) AzureTenantPages(in ListAzureTenantsInput) *Pages {
	return &Pages{c: c, in: in, seen: map[string]bool{}}
}

// Done reports whether the last page has been read.
func (p *Pages) Done() bool { return p.done }

// Next reads the next page; nil, nil once Done.
func (p *Pages) Next(ctx context.Context) (*AzureTenantPage, error) {
	switch {
	case p.done:
		return nil, nil
	case len(p.seen) >= MaxPages:
		return nil, fmt.Errorf("client: GET %s: more than %d pages; stopped", pathAzureTenants, MaxPages)
	}
	page, err := p.c.ListAzureTenants(ctx, p.in)
	if err != nil {
		return nil, err
	}
	next := page.NextPageToken
	if p.seen[next] {
		return nil, fmt.Errorf("client: GET %s: the server gave page token %q again; stopped, as it would never end",
			pathAzureTenants, next)
	}
	p.seen[next], p.in.PageToken, p.done = true, next, next == ""
	return page, nil
}

// AllAzureTenants yields every connection that matches in, following the pages to the last.
// It stops at the first error, which it yields.
func (c *Client) AllAzureTenants(ctx context.Context, in ListAzureTenantsInput) iter.Seq2[AzureTenant, error] {
	return func(yield func(AzureTenant, error) bool) {
		for pages := c.AzureTenantPages(in); !pages.Done(); {
			page, err := pages.Next(ctx)
			if err != nil {
				yield(AzureTenant{}, err)
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
