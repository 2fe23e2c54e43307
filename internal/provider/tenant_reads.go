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
// for one command: the refresh of the resources, the data source, the plan's conflict check.
//
// Correctness first. A connection missing from the listing is confirmed with its own GET
// before a read reports it gone. The listing never answers for a connection that this process
// wrote (created, updated, disconnected) after the listing began, or is writing: those are
// read with a GET. A listing that fails, or stops, leaves its remaining reads to GETs.
type tenantReads struct {
	mu      sync.Mutex
	reads   int
	listing *listing
	// seq orders the writes and the start of the listing.
	seq    uint64
	writes map[string]*writeMark
}

type writeMark struct {
	seq      uint64 // when the last write began or ended
	inFlight int
}

// listing is the one listing of a process, read in the background page by page.
type listing struct {
	startSeq uint64
	items    map[string]client.AzureTenant
	// ended is true once no page will come; complete, once every page came.
	ended, complete bool
	// next is closed when a page comes or the listing ends.
	next chan struct{}
}

// wrote marks a write of tenantID, begun now; call the function it returns when it has ended.
func (r *tenantReads) wrote(tenantID string) (ended func()) {
	id := strings.ToLower(tenantID)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.writes == nil {
		r.writes = map[string]*writeMark{}
	}
	w := r.writes[id]
	if w == nil {
		w = &writeMark{}
		r.writes[id] = w
	}
	r.seq++
	w.seq, w.inFlight = r.seq, w.inFlight+1
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.seq++
		w.seq, w.inFlight = r.seq, w.inFlight-1
	}
}

// read is GetAzureTenant, served from the listing when it can be.
func (r *tenantReads) read(ctx context.Context, c *client.Client, tenantID string) (*client.AzureTenant, error) {
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

// fromListing waits for the listing to find tenantID. known is false when the listing cannot
// tell: a direct read, a connection written by this process, a listing that failed or
// stopped, or ctx done. Otherwise t is the connection, or nil when a complete listing lacks it.
func (r *tenantReads) fromListing(ctx context.Context, c *client.Client, tenantID string) (t *client.AzureTenant, known bool) {
	id := strings.ToLower(tenantID)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reads++
	if r.reads <= directReads {
		return nil, false
	}
	if r.listing == nil {
		r.seq++
		r.listing = &listing{startSeq: r.seq, items: map[string]client.AzureTenant{}, next: make(chan struct{})}
		go r.list(context.WithoutCancel(ctx), c, r.listing)
	}
	l := r.listing
	for {
		if w := r.writes[id]; w != nil && (w.inFlight > 0 || w.seq >= l.startSeq) {
			return nil, false
		}
		if found, ok := l.items[id]; ok {
			return &found, true
		}
		if l.ended {
			return nil, l.complete
		}
		next := l.next
		r.mu.Unlock()
		select {
		case <-next:
		case <-ctx.Done():
			r.mu.Lock()
			return nil, false
		}
		r.mu.Lock()
	}
}

// list reads every connection into l, page by page, while it is worth it: a page costs a
// request, as a read's own GET would, so it stops when it has read as many pages as there
// have been reads.
func (r *tenantReads) list(ctx context.Context, c *client.Client, l *listing) {
	ctx, cancel := context.WithTimeout(ctx, defaultReadTimeout)
	defer cancel()
	pages := 0
	complete := false
	for page, err := range c.AzureTenantPages(ctx, client.ListAzureTenantsInput{PageSize: client.MaxPageSize}) {
		if err != nil {
			break
		}
		pages++
		complete = page.NextPageToken == ""
		r.mu.Lock()
		for _, t := range page.Items {
			l.items[strings.ToLower(t.TenantID)] = t
		}
		close(l.next)
		l.next = make(chan struct{})
		worth := pages < r.reads
		r.mu.Unlock()
		if !worth {
			break
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	l.ended, l.complete = true, complete
	close(l.next)
}
