package client

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"slices"
)

// The Azure tenant kind: its wire object, its inputs and its collection (connections.go
// does the rest).

// AzureTenant is a connection of an Azure tenant to Cloud Entitlements. It never holds the
// secret: the API does not return it.
type AzureTenant struct {
	TenantID        string `json:"tenant_id"`
	ApplicationID   string `json:"application_id"`
	IntegrationMode string `json:"integration_mode"`
	Connection
}

// Key is the Azure tenant ID.
func (t *AzureTenant) Key() string { return t.TenantID }

// Shared is the part every kind has.
func (t *AzureTenant) Shared() *Connection { return &t.Connection }

var integrationModes = []string{"read", "read_write"}

func (t *AzureTenant) problem() string {
	switch {
	case !uuidRE.MatchString(t.TenantID):
		return fmt.Sprintf("tenant_id %q is not a UUID", t.TenantID)
	case !uuidRE.MatchString(t.ApplicationID):
		return fmt.Sprintf("application_id %q is not a UUID", t.ApplicationID)
	case !slices.Contains(integrationModes, t.IntegrationMode):
		return fmt.Sprintf("integration_mode %q is not read or read_write", t.IntegrationMode)
	}
	return ""
}

// AzureTenants is the collection of Azure tenant connections.
var AzureTenants = Collection[AzureTenant, *AzureTenant]{
	Path:     pathAPIBase + "/azure/tenants",
	Noun:     "tenant",
	Secrets:  []string{FieldSecretValue},
	Verdicts: []string{CodeTenantAlreadyConnected, CodeSecretInUse, CodeAzureConnectionFailed},
}

// CreateAzureTenantInput is the body of a create. Status is optional (default active).
type CreateAzureTenantInput struct {
	Name            string   `json:"name"`
	TenantID        string   `json:"tenant_id"`
	ApplicationID   string   `json:"application_id"`
	SecretValue     string   `json:"secret_value"`
	IntegrationMode string   `json:"integration_mode"`
	Tags            []string `json:"tags,omitempty"`
	Status          string   `json:"status,omitempty"`
}

// UpdateAzureTenantInput is the body of a PATCH: a nil field is left unchanged; a non-nil
// empty Tags clears the tags. Changing ApplicationID requires SecretValue.
type UpdateAzureTenantInput struct {
	Name            *string   `json:"name,omitempty"`
	ApplicationID   *string   `json:"application_id,omitempty"`
	SecretValue     *string   `json:"secret_value,omitempty"`
	IntegrationMode *string   `json:"integration_mode,omitempty"`
	Tags            *[]string `json:"tags,omitempty"`
	Status          *string   `json:"status,omitempty"`
}

// ListAzureTenantsInput filters a list of Azure tenants. Every tag in Tags must be present on
// a connection.
type ListAzureTenantsInput struct {
	Status          string
	IntegrationMode string
	Tags            []string
	PageSize        int
	PageToken       string
}

func (in ListAzureTenantsInput) list() ListInput {
	out := ListInput{Status: in.Status, Tags: in.Tags, PageSize: in.PageSize, PageToken: in.PageToken}
	if in.IntegrationMode != "" {
		out.Filters = url.Values{queryIntegrationMode: {in.IntegrationMode}}
	}
	return out
}

// AzureTenantPage is one page of a list of Azure tenants.
type AzureTenantPage = Page[AzureTenant]

// The Azure tenant calls by name, for readers of the client alone.

// CreateAzureTenant connects a tenant (Collection.Create).
func (c *Client) CreateAzureTenant(ctx context.Context, in CreateAzureTenantInput) (*AzureTenant, error) {
	return AzureTenants.Create(ctx, c, in, in.TenantID)
}

// GetAzureTenant reads one connection; IsNotFound(err) when there is none.
func (c *Client) GetAzureTenant(ctx context.Context, tenantID string) (*AzureTenant, error) {
	return AzureTenants.Get(ctx, c, tenantID)
}

// UpdateAzureTenant changes the fields of in that are not nil.
func (c *Client) UpdateAzureTenant(ctx context.Context, tenantID string, in UpdateAzureTenantInput) (*AzureTenant, error) {
	return AzureTenants.Update(ctx, c, tenantID, in)
}

// ReprocessAzureTenant asks Segura to synchronize the connection now.
func (c *Client) ReprocessAzureTenant(ctx context.Context, tenantID string) (*AzureTenant, error) {
	return AzureTenants.Reprocess(ctx, c, tenantID)
}

// DeleteAzureTenant disconnects a tenant; IsNotFound(err) when there is none.
func (c *Client) DeleteAzureTenant(ctx context.Context, tenantID string) error {
	return AzureTenants.Delete(ctx, c, tenantID)
}

// ListAzureTenants reads one page.
func (c *Client) ListAzureTenants(ctx context.Context, in ListAzureTenantsInput) (*AzureTenantPage, error) {
	return AzureTenants.List(ctx, c, in.list())
}

// AzureTenantPages walks the connections that match in, page by page.
func (c *Client) AzureTenantPages(in ListAzureTenantsInput) *Pages[AzureTenant, *AzureTenant] {
	return AzureTenants.Pages(c, in.list())
}

// AllAzureTenants yields every connection that matches in, following the pages to the last.
func (c *Client) AllAzureTenants(ctx context.Context, in ListAzureTenantsInput) iter.Seq2[AzureTenant, error] {
	return AzureTenants.All(ctx, c, in.list())
}
