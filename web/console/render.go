package console

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/custos-msp/custos/vocab"
	"github.com/custos-msp/custos/web/auth"
)

//go:embed templates/*.html templates/partials/*.html
var templateFiles embed.FS

//go:embed static
var staticDir embed.FS

// pages holds every page's template, each parsed with the layout.
type pages struct {
	byName map[string]*template.Template
}

// layout is what every page's template gets: the page's own data, who is signed in
// (and the CSRF token their forms send), and which part of the navigation is current.
type layout struct {
	Title string
	Nav   string
	P     auth.Principal
	CSRF  string
	// Notice is a short message after a change ("3 findings acknowledged").
	Notice string
	Data   any
}

// titled is implemented by page data that names its page's title and navigation
// entry.
type titled interface {
	PageTitle() (title, nav string)
}

func parsePages(loc *time.Location) (*pages, error) {
	// The partials (a pager, say) are parsed with the layout, so every page can use them.
	base, err := template.New("layout.html").Funcs(funcs(loc)).ParseFS(templateFiles, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("console: parsing the layout: %w", err)
	}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFiles, n)
		if err != nil {
			return nil, fmt.Errorf("console: parsing page %s: %w", name, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

// funcs are the helpers templates share.
func funcs(loc *time.Location) template.FuncMap {
	return template.FuncMap{
		// when writes a time in the console's zone, to the minute; "" for none.
		"when": func(t any) string {
			switch v := t.(type) {
			case time.Time:
				if v.IsZero() {
					return ""
				}
				return v.In(loc).Format("2006-01-02 15:04 MST")
			case *time.Time:
				if v == nil || v.IsZero() {
					return ""
				}
				return v.In(loc).Format("2006-01-02 15:04 MST")
			}
			return fmt.Sprint(t)
		},
		// isoTime is a time for a <time datetime> attribute.
		"isoTime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		// severity is the CSS class of a severity.
		"severity": func(s vocab.Severity) string { return "sev-" + strings.ToLower(string(s)) },
		"add":      func(a, b int) int { return a + b },
		// admin says whether a role may see the admin page (the navigation's entry).
		"admin": func(r auth.Role) bool { return r.Allows(auth.Admin) },
	}
}

// write answers a route's result: JSON for the API, a page, a redirect after a form,
// or a download.
func (c *Console) write(w http.ResponseWriter, r *http.Request, rt route, p auth.Principal, res result) {
	status := res.Status
	if status == 0 {
		status = http.StatusOK
	}
	switch {
	case res.File != nil:
		w.Header().Set("Content-Type", res.File.ContentType)
		if res.File.Name != "" {
			w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": res.File.Name}))
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(res.File.Body)))
		w.WriteHeader(status)
		_, _ = w.Write(res.File.Body)
	case rt.API():
		writeJSON(w, status, res.Data)
	case res.Redirect != "":
		http.Redirect(w, r, res.Redirect, http.StatusSeeOther)
	default:
		c.render(w, r, status, rt.Template, p, res.Data)
	}
}

// fail answers an error: JSON {"error": {...}} for the API, an error page otherwise.
// An error the console did not expect is logged, with the route and never the URL
// (whose query may name a customer).
func (c *Console) fail(w http.ResponseWriter, r *http.Request, rt route, p auth.Principal, err error) {
	e, known := asError(err)
	if !known {
		c.Log.Error().Err(err).Str("method", rt.Method).Str("route", rt.Pattern).Msg("console: a request failed")
	}
	if rt.API() {
		writeJSON(w, e.Status, map[string]*Error{"error": e})
		return
	}
	c.render(w, r, e.Status, "error", p, e)
}

// render shows a page, within the layout.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, p auth.Principal, data any) {
	t, ok := c.pages.byName[name]
	if !ok {
		c.Log.Error().Str("template", name).Msg("console: no such page template")
		http.Error(w, "no such page", http.StatusInternalServerError)
		return
	}
	l := layout{P: p, CSRF: p.CSRF, Notice: r.URL.Query().Get("done"), Data: data}
	if tp, ok := data.(titled); ok {
		l.Title, l.Nav = tp.PageTitle()
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", l); err != nil {
		c.Log.Error().Err(err).Str("template", name).Msg("console: rendering a page")
		http.Error(w, "the page could not be shown; the server's log says why", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// staticFiles serves the stylesheet and the script, which browsers may keep an hour.
func staticFiles() http.Handler {
	files := http.FileServerFS(staticDir)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}
