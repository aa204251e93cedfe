package report

import (
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strings"
)

// templates holds every version of the HTML template; TemplateVersion picks one.
//
//go:embed templates
var templates embed.FS

var htmlTemplate = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"date":     day,
	"datetime": stamp,
	"join":     strings.Join,
}).ParseFS(templates, "templates/"+TemplateVersion+"/report.html.tmpl"))

// htmlView is what the template reads: the report and its rendered charts.
type htmlView struct {
	*Report
	Charts  []template.HTML
	LogoURI template.URL
}

// RenderHTML writes the report as one self-contained HTML page: styles inline,
// charts as inline SVG, the logo as a data URI.
func RenderHTML(w io.Writer, r *Report) error {
	v := htmlView{Report: r}
	shown, err := charts(r)
	if err != nil {
		return err
	}
	for _, c := range shown {
		svg, err := svgOf(c.plot, c.size)
		if err != nil {
			return err
		}
		v.Charts = append(v.Charts, template.HTML(svg)) // #nosec G203 -- SVG drawn by gonum/plot from numbers and fixed labels
	}
	if r.Logo != nil {
		v.LogoURI = template.URL("data:" + r.Logo.MIME + ";base64," + base64.StdEncoding.EncodeToString(r.Logo.Data))
	}
	if err := htmlTemplate.Execute(w, v); err != nil {
		return fmt.Errorf("report: rendering the HTML of %s %s: %w", r.Customer, r.Month, err)
	}
	return nil
}
