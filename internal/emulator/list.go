package emulator

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
)

// handleList serves one page of k's connections in the order of their keys: page_size,
// page_token (the last key of the page before), and the filters status, tag (repeatable, all
// must match) and the kind's own (integration_mode for Azure tenants).
func (s *Server) handleList(k *kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var details []detail
		size := s.opts.DefaultPageSize
		if v := q.Get("page_size"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > pageSizeMax {
				details = append(details, detail{Field: "page_size", Reason: "out_of_range", Message: "must be a whole number from 1 to 200"})
			}
			size = n
		}
		after := ""
		if v := q.Get("page_token"); v != "" {
			b, err := base64.RawURLEncoding.DecodeString(v)
			if err != nil || !k.validKey(string(b)) {
				details = append(details, detail{Field: "page_token", Reason: "invalid_value", Message: "is not a token this server issued"})
			}
			after = string(b)
		}
		status, tags := q.Get(fieldStatus), q["tag"]
		if status != "" {
			details = append(details, checkStatus(status)...)
		}
		filters := map[string]string{}
		for _, f := range k.fields {
			if v := q.Get(f.name); f.filter && v != "" {
				details = append(details, f.check(v)...)
				filters[f.name] = v
			}
		}
		if len(details) > 0 {
			writeValidation(w, details)
			return
		}

		s.mu.Lock()
		conns := s.collections[k].conns
		keys := make([]string, 0, len(conns))
		for key := range conns {
			keys = append(keys, key)
		}
		slices.Sort(keys)
		items := []object{}
		next, last := "", ""
		for _, key := range keys {
			c := conns[key]
			if key <= after || (status != "" && c.Status != status) || !matches(c, filters) || !containsAll(c.Tags, tags) {
				continue
			}
			if len(items) == size {
				next = base64.RawURLEncoding.EncodeToString([]byte(last))
				break
			}
			items = append(items, s.view(c))
			last = key
		}
		s.mu.Unlock()
		out := map[string]any{"items": items}
		if next != "" {
			out["next_page_token"] = next
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// matches reports whether c has every field value of filters.
func matches(c *record, filters map[string]string) bool {
	for name, v := range filters {
		if c.Fields[name] != v {
			return false
		}
	}
	return true
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
