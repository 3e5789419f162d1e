// Quotes service: start here (see statement.md). Go's standard library only.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
)

var upstreamURL = strings.TrimRight(envOr("UPSTREAM_URL", "http://127.0.0.1:9090"), "/")

func send(w http.ResponseWriter, status int, body interface{}) {
	data, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(data)
}

func handle(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == "/health" {
		send(w, 200, map[string]string{"status": "ok"})
		return
	}
	// TODO: GET /quotes/<symbol>, calling GET upstreamURL + "/prices/<symbol>".
	send(w, 501, map[string]interface{}{
		"error": map[string]string{"code": "not_implemented", "message": "Not implemented yet."},
	})
}

func envOr(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

func main() {
	addr := "127.0.0.1:" + envOr("PORT", "8080")
	if err := http.ListenAndServe(addr, http.HandlerFunc(handle)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
