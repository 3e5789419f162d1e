package main

// The orders in memory (see statement.md): validation, idempotency keys, cursor pages.
// net/http runs handlers on many goroutines: guard shared state with a sync.Mutex.
