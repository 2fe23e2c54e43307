package provider

import (
	"context"
	"strings"
	"sync"

	"github.com/segura/terraform-provider-segura/internal/client"
)

// directReads is how many reads of a provider process are each one GET. Past them, reads are
// served from one listing of every connection, 200 a page: a refresh of N connections costs
// about N/200 requests, while a command that reads one or a few connections lists nothing.
const directReads = 4

// tenantReads serves the reads of connections of one provider process, which Terraform runs
// for one command: the refresh of the resources, the data source, the plan's conflict check
// (DESIGN.md, "Reads").
//
// The listing is read by the reads themselves, one page at a time: a read that does not find
// its connection in the pages read so far reads the next page, with its own context, while
// fewer pages have been read than reads asked. So no goroutine outlives a read, and a
// listing costs at most the GETs it saves. A connection that this process has begun to write
// is always read with its own GET, and so is every read once a page has failed.
type tenantReads struct {
	mu    sync.Mutex
	reads int
	// written are the connections this process has begun to write (create, update, delete).
	written map[string]bool
	pages   *client.Pages[client.AzureTenant, *client.AzureTenant]
	read    int // pages read
	items   map[string]client.AzureTenant
	// complete: every page was read; failed: a page failed, so the listing tells no more.
	complete, failed bool
	// turn lets one read at a time read a page; the others wait for it.
	turn chan struct{}
}

// writing marks a write of tenantID, from now on.
func (r *tenantReads) writing(tenantID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.written == nil {
		r.written = map[string]bool{}
	}
	r.written[strings.ToLower(tenantID)] = true
}

// get is GetAzureTenant, served from the listing when it can be. A connection that a complete
// listing lacks is confirmed with its own GET before it is reported gone.
func (r *tenantReads) get(ctx context.Context, c *client.Client, tenantID string) (*client.AzureTenant, error) {
	if t, known := r.fromListing(ctx, c, tenantID); known && t != nil {
		return t, nil
	}
	return c.GetAzureTenant(ctx, tenantID)
}

// connected is the connection of tenantID, or nil when there is none. A complete listing
// that lacks it answers without a GET: this is the plan's question, which the apply asks
// Segura again anyway.
func (r *tenantReads) connected(ctx context.Context, c *client.Client, tenantID string) (*client.AzureTenant, error) {
	if t, known := r.fromListing(ctx, c, tenantID); known {
		return t, nil
	}
	t, err := c.GetAzureTenant(ctx, tenantID)
	if client.IsNotFound(err) {
		return nil, nil
	}
	return t, err
}

// fromListing looks tenantID up in the listing, reading pages as needed. known is false when
// the listing cannot tell; otherwise t is the connection, or nil when a complete listing
// lacks it.
func (r *tenantReads) fromListing(ctx context.Context, c *client.Client, tenantID string) (t *client.AzureTenant, known bool) {
	id := strings.ToLower(tenantID)
	r.mu.Lock()
	r.reads++
	if r.pages == nil && r.reads > directReads {
		r.pages = c.AzureTenantPages(client.ListAzureTenantsInput{PageSize: client.MaxPageSize})
		r.items = map[string]client.AzureTenant{}
		r.turn = make(chan struct{}, 1)
	}
	r.mu.Unlock()
	for {
		r.mu.Lock()
		found, ok := r.items[id]
		switch {
		case r.written[id] || r.pages == nil || r.failed:
			r.mu.Unlock()
			return nil, false
		case ok:
			r.mu.Unlock()
			return &found, true
		case r.complete:
			r.mu.Unlock()
			return nil, true
		case r.read >= r.reads:
			r.mu.Unlock()
			return nil, false // another page would cost more than this read's GET
		}
		turn, before := r.turn, r.read
		r.mu.Unlock()
		select {
		case turn <- struct{}{}:
		case <-ctx.Done():
			return nil, false
		}
		r.nextPage(ctx, before)
		<-turn
	}
}

// nextPage reads the next page, unless another read did while this one waited for its turn.
func (r *tenantReads) nextPage(ctx context.Context, before int) {
	r.mu.Lock()
	if r.read != before || r.failed {
		r.mu.Unlock()
		return
	}
	r.mu.Unlock()
	page, err := r.pages.Next(ctx) // only the holder of the turn touches pages
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.failed = true
		return
	}
	r.read, r.complete = r.read+1, r.pages.Done()
	for _, t := range page.Items {
		r.items[strings.ToLower(t.TenantID)] = t
	}
}
