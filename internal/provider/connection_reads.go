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

// connectionReads serves the reads of the connections of one collection for one provider
// process, which Terraform runs for one command: the refresh of the resources, the data
// source, the plan's conflict check (DESIGN.md, "Reads"). Each kind has one listing.
//
// The listing is read by the reads themselves, one page at a time: a read that does not find
// its connection in the pages read so far reads the next page, with its own context, while
// fewer pages have been read than reads asked. So no goroutine outlives a read, and a
// listing costs at most the GETs it saves. A connection that this process has begun to write
// is always read with its own GET, and so is every read once a page has failed.
type connectionReads[T any, P client.Object[T]] struct {
	col   client.Collection[T, P]
	mu    sync.Mutex
	reads int
	// written are the connections this process has begun to write (create, update, delete).
	written map[string]bool
	pages   *client.Pages[T, P]
	read    int // pages read
	items   map[string]T
	// complete: every page was read; failed: a page failed, so the listing tells no more.
	complete, failed bool
	// turn lets one read at a time read a page; the others wait for it.
	turn chan struct{}
}

// writing marks a write of the connection of key, from now on.
func (r *connectionReads[T, P]) writing(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.written == nil {
		r.written = map[string]bool{}
	}
	r.written[strings.ToLower(key)] = true
}

// get is the collection's Get, served from the listing when it can be. A connection that a complete
// listing lacks is confirmed with its own GET before it is reported gone.
func (r *connectionReads[T, P]) get(ctx context.Context, c *client.Client, key string) (*T, error) {
	if t, known := r.fromListing(ctx, c, key); known && t != nil {
		return t, nil
	}
	return r.col.Get(ctx, c, key)
}

// connected is the connection of key, or nil when there is none. A complete listing
// that lacks it answers without a GET: this is the plan's question, which the apply asks
// Segura again anyway.
func (r *connectionReads[T, P]) connected(ctx context.Context, c *client.Client, key string) (*T, error) {
	if t, known := r.fromListing(ctx, c, key); known {
		return t, nil
	}
	t, err := r.col.Get(ctx, c, key)
	if client.IsNotFound(err) {
		return nil, nil
	}
	return t, err
}

// fromListing looks key up in the listing, reading pages as needed. known is false when
// the listing cannot tell; otherwise t is the connection, or nil when a complete listing
// lacks it.
func (r *connectionReads[T, P]) fromListing(ctx context.Context, c *client.Client, key string) (t *T, known bool) {
	id := strings.ToLower(key)
	r.mu.Lock()
	r.reads++
	if r.pages == nil && r.reads > directReads {
		r.pages = r.col.Pages(c, client.ListInput{PageSize: client.MaxPageSize})
		r.items = map[string]T{}
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
func (r *connectionReads[T, P]) nextPage(ctx context.Context, before int) {
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
		r.items[strings.ToLower(P(&t).Key())] = t
	}
}

// reads is a kind's connectionReads with its type erased.
type reads interface {
	writing(key string)
	get(ctx context.Context, c *client.Client, key string) (wire, error)
	connected(ctx context.Context, c *client.Client, key string) (wire, error)
}

type erasedReads[T any, P client.Object[T]] struct{ r connectionReads[T, P] }

func (e *erasedReads[T, P]) writing(key string) { e.r.writing(key) }

func (e *erasedReads[T, P]) get(ctx context.Context, c *client.Client, key string) (wire, error) {
	return erased[T, P](e.r.get(ctx, c, key))
}

func (e *erasedReads[T, P]) connected(ctx context.Context, c *client.Client, key string) (wire, error) {
	t, err := e.r.connected(ctx, c, key)
	if t == nil || err != nil {
		return nil, err
	}
	return P(t), nil
}
