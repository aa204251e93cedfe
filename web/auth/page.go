package auth

import (
	"html/template"
	"net/http"
)

// pageTemplate is the plain page the sign-in answers with when it cannot send the
// browser on: no script, no style, nothing a strict Content-Security-Policy refuses.
var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · Custos</title></head>
<body><main><h1>{{.Title}}</h1><p>{{.Message}}</p>{{if .Link}}<p><a href="{{.Link}}">Sign in</a></p>{{end}}</main></body></html>
`))

// page answers with status and a page saying message, with a sign-in link when
// link is set.
func page(w http.ResponseWriter, status int, title, message, link string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pageTemplate.Execute(w, struct{ Title, Message, Link string }{title, message, link})
}
