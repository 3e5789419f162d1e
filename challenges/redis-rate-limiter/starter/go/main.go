// Rate limiter service: start here (see statement.md). Two instances run at once. Go 1.19's
// ServeMux has no method or wildcard patterns, so parse paths by hand.
package main

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
	"os"
)

func send(w http.ResponseWriter, status int, payload interface{}) {
	data, _ := json.Marshal(payload)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(data)
}

// handle serves every request; net/http runs handlers concurrently.
func handle(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	if r.Method == "GET" && r.URL.Path == "/health" {
		send(w, 200, map[string]string{"status": "ok"})
		return
	}
	// TODO: POST /api/requests, GET /limits/<key>, PUT /limits/<key>.
	send(w, 501, map[string]interface{}{
		"error": map[string]string{"code": "not_implemented", "message": "Not implemented yet."},
	})
}

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port, http.HandlerFunc(handle)))
}
