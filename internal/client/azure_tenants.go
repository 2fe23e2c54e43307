package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"github.com/google/uuid"
)

func tenantPath(tenantID string) string {
	return pathAzureTenants + "/" + url.PathEscape(tenantID)
}

// CreateAzureTenant connects a tenant. It sends one fresh Idempotency-Key and reuses it for
// every retry, so a lost answer neither creates twice nor fails as a conflict.
func (c *Client) CreateAzureTenant(ctx context.Context, in CreateAzureTenantInput) (*AzureTenant, error) {
	var out AzureTenant
	err := c.do(ctx, call{
		method: http.MethodPost,
		path:   pathAzureTenants,
		body:   in,
		header: http.Header{headerIdempotencyKey: []string{uuid.NewString()}},
		out:    &out,
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// GetAzureTenant reads one connection; IsNotFound(err) when there is none.
func (c *Client) GetAzureTenant(ctx context.Context, tenantID string) (*AzureTenant, error) {
	var out AzureTenant
	if err := c.do(ctx, call{method: http.MethodGet, path: tenantPath(tenantID), out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateAzureTenant changes the fields of in that are not nil.
func (c *Client) UpdateAzureTenant(ctx context.Context, tenantID string, in UpdateAzureTenantInput) (*AzureTenant, error) {
	var out AzureTenant
	if err := c.do(ctx, call{method: http.MethodPatch, path: tenantPath(tenantID), body: in, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteAzureTenant disconnects a tenant; IsNotFound(err) when there is none.
func (c *Client) DeleteAzureTenant(ctx context.Context, tenantID string) error {
	err := c.do(ctx, call{method: http.MethodDelete, path: tenantPath(tenantID)})
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
	if err := c.do(ctx, call{method: http.MethodGet, path: pathAzureTenants, query: q, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// AllAzureTenants yields every connection that matches in, following next_page_token to the
// last page. It stops at the first error, which it yields.
func (c *Client) AllAzureTenants(ctx context.Context, in ListAzureTenantsInput) iter.Seq2[AzureTenant, error] {
	return func(yield func(AzureTenant, error) bool) {
		for {
			page, err := c.ListAzureTenants(ctx, in)
			if err != nil {
				yield(AzureTenant{}, err)
				return
			}
			for _, t := range page.Items {
				if !yield(t, nil) {
					return
				}
			}
			if page.NextPageToken == "" {
				return
			}
			in.PageToken = page.NextPageToken
		}
	}
}
