// The rate limiter's state, in Redis (REDIS_URL), shared by every instance of the service.
package main

import (
	"os"
	"time"

	"github.com/gomodule/redigo/redis"
)

// pool hands out connections: pool.Get(), then conn.Close() to give it back.
var pool = &redis.Pool{
	MaxIdle:     64,
	IdleTimeout: time.Minute,
	Dial: func() (redis.Conn, error) {
		url := os.Getenv("REDIS_URL")
		if url == "" {
			url = "redis://127.0.0.1:6379/0"
		}
		return redis.DialURL(url)
	},
}

// TODO: the sliding-window log of each API key, and the limits set by PUT /limits/<key>.
