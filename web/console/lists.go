package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/custos-msp/custos/store"
	"github.com/custos-msp/custos/web/auth"
)

// pageInfo says which page of a long list a page or API answer holds: its number,
// its size and how many rows the list has; the page's template links the others
// with the request's query.
type pageInfo struct {
	Page  int   `json:"page"`
	Per   int   `json:"per"`
	Total int64 `json:"total"`
	query url.Values
}

func newPageInfo(r *http.Request, p Paging, total int64) pageInfo {
	return pageInfo{Page: p.Page, Per: p.Per, Total: total, query: r.URL.Query()}
}

// rows is the part of the list the database is asked for.
func (p Paging) rows() store.Rows { return store.Rows{Limit: p.Per, Offset: p.Offset()} }

// Pages is how many pages the list has.
func (p pageInfo) Pages() int {
	if p.Per <= 0 {
		return 1
	}
	return max(1, int((p.Total+int64(p.Per)-1)/int64(p.Per)))
}

// Link is the address of page n of the same list.
func (p pageInfo) Link(n int) string { return pageLink(p.query, n) }

// pageLink is the request's query q asking for page n instead, without the notice
// of a change it followed.
func pageLink(q url.Values, n int) string {
	next := url.Values{}
	for k, v := range q {
		next[k] = v
	}
	next.Set("page", strconv.Itoa(n))
	next.Del("done")
	return "?" + next.Encode()
}

// changed is what a change did: a short notice for the person who made it (ids and
// counts, never a customer's or a person's name: it travels in the URL), the API's
// answer, and the audit trail's entry.
type changed struct {
	Notice string
	Data   any
	Change auth.Change
}

// change describes a change that a form and its API twin both make, the same way.
type change struct {
	Name string
	Need auth.Role
	// Form is the form's pattern; API the twin's under /api/v1.
	Form, API string
	// Back is where the browser goes after the form, without the notice.
	Back func(r *http.Request) string
	Do   func(r *http.Request, p auth.Principal) (changed, error)
	// Refill, when set, shows the form's page again (in Template) after a request
	// the change refused as bad, with the problem and the values given, instead of
	// an error page.
	Refill   refiller
	Template string
}

// refiller shows a form's page again after a request refused as bad, with the
// problem and the values given.
type refiller func(r *http.Request, p auth.Principal, problem *Error) (any, error)

// refilled answers a form refused for bad input with its page again, when refill
// can show it; the trail still says the change was refused. It reports false for
// any other outcome, which the caller answers itself.
func refilled(r *http.Request, p auth.Principal, refill refiller, done changed, err error) (result, bool, error) {
	var problem *Error
	if err == nil || refill == nil || !errors.As(err, &problem) || problem.Status != http.StatusBadRequest {
		return result{}, false, nil
	}
	page, perr := refill(r, p, problem)
	if perr != nil {
		return result{Change: done.Change}, true, errors.Join(err, perr)
	}
	done.Change.Outcome = "refused: " + problem.Message
	return result{Data: page, Status: problem.Status, Change: done.Change}, true, nil
}

// routes returns the form's route, which redirects back with the notice, and the
// API's, which answers the change's data as JSON.
func (ch change) routes() []route {
	do := func(r *http.Request, p auth.Principal) (changed, error) {
		if err := parseForm(r); err != nil {
			return changed{}, err
		}
		return ch.Do(r, p)
	}
	return []route{
		{Method: http.MethodPost, Pattern: ch.Form, Name: ch.Name, Need: ch.Need, Template: ch.Template,
			Do: func(r *http.Request, p auth.Principal) (result, error) {
				done, err := do(r, p)
				if res, ok, err := refilled(r, p, ch.Refill, done, err); ok {
					return res, err
				}
				if err != nil {
					return result{Change: done.Change}, err
				}
				return result{Redirect: withDone(ch.Back(r), done.Notice), Change: done.Change}, nil
			}},
		{Method: http.MethodPost, Pattern: ch.API, Name: ch.Name, Need: ch.Need,
			Do: func(r *http.Request, p auth.Principal) (result, error) {
				done, err := do(r, p)
				return result{Data: done.Data, Change: done.Change}, err
			}},
	}
}

// withDone adds the short notice of a change to a page's address.
func withDone(target, notice string) string {
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	return target + sep + url.Values{"done": {notice}}.Encode()
}

// parseForm reads a change's form: URL-encoded, or multipart when it carries a file.
func parseForm(r *http.Request) error {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(maxForm)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		return badField("body", "the form could not be read: %v", err)
	}
	return nil
}

// need is a form field a change requires, and what to tell a person who left it empty.
type need struct{ field, hint string }

// required refuses the first of the fields that is empty, naming it.
func required(v url.Values, needs ...need) error {
	for _, n := range needs {
		if strings.TrimSpace(v.Get(n.field)) == "" {
			return badField(n.field, "required (%s)", n.hint)
		}
	}
	return nil
}

// formDetail is what the audit trail keeps of a change's form: the fields given,
// in order.
func formDetail(v url.Values, fields ...string) string {
	var parts []string
	for _, f := range fields {
		if s := strings.TrimSpace(v.Get(f)); s != "" {
			parts = append(parts, f+"="+s)
		}
	}
	return strings.Join(parts, "; ")
}
