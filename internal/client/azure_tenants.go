package client

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

func tenantPath(tenantID string) string {
	return pathAzureTenants + "/" + url.PathEscape(tenantID)
}

// maxKeyGenerations bounds the chain of Idempotency-Keys that one create walks.
const maxKeyGenerations = 32

// CreateAzureTenant connects a tenant, so that neither a lost answer nor a crashed run can
// create twice or fail as a conflict.
//
// Its Idempotency-Key is derived from the request body, keyed with the client secret (the
// header reveals nothing), and reused for every retry. A run that repeats a create after a
// crash, a kill or an interruption therefore sends the same key, and Segura replays the first
// run's answer instead of answering tenant_already_connected. A replay
// (Idempotent-Replayed: true) is trusted only while the connection it made still exists,
// with the same connected_at. When it does not (disconnected or replaced since), or when the
// replay is an earlier refusal whose cause may have been mended, the request is sent anew
// under the next key of a chain, derived from this key and the replayed answer, and so as
// repeatable as the first.
func (c *Client) CreateAzureTenant(ctx context.Context, in CreateAzureTenantInput) (*AzureTenant, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("client: encoding POST %s: %w", pathAzureTenants, err)
	}
	first := c.derivedKey([]byte("segura create v1"), body)
	key := first
	if k, ok := c.keyChains.Load(first); ok {
		key = k.(string) // this process walked the chain already: no need to replay it again
	}
	for range maxKeyGenerations {
		var out AzureTenant
		cl := call{
			method: http.MethodPost, path: pathAzureTenants, rawBody: body, out: &out,
			header: http.Header{headerIdempotencyKey: []string{key}},
		}
		ans, err := c.do(ctx, cl)
		if err == nil {
			err = maskError(checkTenant(cl, ans, &out, in.TenantID), c.secretsOf(body))
		}
		if ans == nil || ans.header.Get(headerReplayed) != "true" {
			if isVerdict(err) {
				// Segura keeps this refusal for replay under key: the next try goes on from
				// the key after it, as a replay would lead any run to.
				c.keyChains.Store(first, c.derivedKey([]byte(key), []byte(strconv.Itoa(ans.status)), ans.body))
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
		key = c.derivedKey([]byte(key), []byte(strconv.Itoa(ans.status)), ans.body)
		c.keyChains.Store(first, key)
	}
	return nil, fmt.Errorf("client: POST %s: Segura replayed %d earlier answers to this same request; "+
		"the Idempotency-Keys of the last 24 hours are used up for it", pathAzureTenants, maxKeyGenerations)
}

// isVerdict reports whether err is a create's own refusal, which the contract keeps for
// replay under its Idempotency-Key: a validation, conflict or Azure verdict. Refusals given
// before the key is claimed (401, 403, 429, a key in flight) and server faults are not kept.
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
	mac := hmac.New(sha256.New, c.keySecret)
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
		err = maskError(checkTenant(cl, ans, &out, tenantID), c.secretsOf(ans.sentBody))
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
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
	for i := range out.Items {
		if err := checkTenant(cl, ans, &out.Items[i], ""); err != nil {
			return nil, maskError(err, c.secretsOf(nil))
		}
	}
	return &out, nil
}

// MaxPages bounds the pages that AllAzureTenants reads: 2,000,000 connections at 200 a page.
const MaxPages = 10_000

// AllAzureTenants yields every connection that matches in, following next_page_token to the
// last page. It stops at the first error, which it yields, and with an error when a page
// token comes again (a server that would loop) or after MaxPages pages.
func (c *Client) AllAzureTenants(ctx context.Context, in ListAzureTenantsInput) iter.Seq2[AzureTenant, error] {
	return func(yield func(AzureTenant, error) bool) {
		for page, err := range c.AzureTenantPages(ctx, in) {
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

// AzureTenantPages yields the pages of the connections that matches in, as AllAzureTenants
// reads them, so that a caller can stop between pages.
func (c *Client) AzureTenantPages(ctx context.Context, in ListAzureTenantsInput) iter.Seq2[*AzureTenantPage, error] {
	return func(yield func(*AzureTenantPage, error) bool) {
		seen := map[string]bool{}
		for pages := 1; ; pages++ {
			if pages > MaxPages {
				yield(nil, fmt.Errorf("client: GET %s: more than %d pages; stopped", pathAzureTenants, MaxPages))
				return
			}
			page, err := c.ListAzureTenants(ctx, in)
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(page, nil) || page.NextPageToken == "" {
				return
			}
			if seen[page.NextPageToken] {
				yield(nil, fmt.Errorf("client: GET %s: the server gave page token %q again; stopped, as it "+
					"would never end", pathAzureTenants, page.NextPageToken))
				return
			}
			seen[page.NextPageToken] = true
			in.PageToken = page.NextPageToken
		}
	}
}
