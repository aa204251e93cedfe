package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestConsoleCommand_PrintsALinkThatSignsInOnce: `custos console` serves the console
// on a loopback address and prints a link that signs the local user in as admin, once.
func TestConsoleCommand_PrintsALinkThatSignsInOnce(t *testing.T) {
	dir := t.TempDir()
	if out, err := run(t, "demo", "--dir", dir); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		cmd := newRootCommand()
		cmd.SetArgs([]string{"--config", dir + "/custos.toml", "console"})
		cmd.SetOut(pw)
		cmd.SetErr(io.Discard)
		done <- cmd.ExecuteContext(ctx)
		_ = pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("custos console: %v", err)
		}
	})
	linkRE := regexp.MustCompile(`http://127\.0\.0\.1:\d+/auth/local\?\S+`)
	var link string
	lines := bufio.NewScanner(pr)
	for link == "" && lines.Scan() {
		link = linkRE.FindString(lines.Text())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if link == "" {
		t.Fatal("custos console printed no sign-in link")
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := browser.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<h1>Overview") || !strings.Contains(string(body), "admin") {
		t.Fatalf("following the link: %d, want the overview as admin:\n%.600s", resp.StatusCode, body)
	}
	again, err := (&http.Client{Timeout: 10 * time.Second}).Get(link)
	if err != nil {
		t.Fatal(err)
	}
	_ = again.Body.Close()
	if again.StatusCode != http.StatusForbidden {
		t.Errorf("the link followed a second time: %d, want 403", again.StatusCode)
	}
}
