package emulator

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
)

func (s *Server) handleList(w http.ResponseWriter, r *http.Request) {
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
		if err != nil || !uuidRE.Match(b) {
			details = append(details, detail{Field: "page_token", Reason: "invalid_value", Message: "is not a token this server issued"})
		}
		after = string(b)
	}
	status, mode, tags := q.Get("status"), q.Get("integration_mode"), q["tag"]
	if status != "" {
		details = append(details, checkStatus(status)...)
	}
	if mode != "" {
		details = append(details, checkMode(mode)...)
	}
	if len(details) > 0 {
		writeValidation(w, details)
		return
	}

	s.mu.Lock()
	ids := make([]string, 0, len(s.tenants))
	for id := range s.tenants {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	items := []tenantView{}
	next := ""
	for _, id := range ids {
		t := s.tenants[id]
		if id <= after || (status != "" && t.Status != status) || (mode != "" && t.IntegrationMode != mode) ||
			!containsAll(t.Tags, tags) {
			continue
		}
		if len(items) == size {
			next = base64.RawURLEncoding.EncodeToString([]byte(items[len(items)-1].TenantID))
			break
		}
		items = append(items, s.view(t))
	}
	s.mu.Unlock()
	out := map[string]any{"items": items}
	if next != "" {
		out["next_page_token"] = next
	}
	writeJSON(w, http.StatusOK, out)
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}
