-- wrk script for bench/autosave_load.py: simulated candidates autosaving their draft.
--
-- Settings come from the environment (done() runs in wrk's main state, which gets no arguments):
--   AUTOSAVE_DATA     one candidate a line: "index revision attempt cookie csrf item file"
--   AUTOSAVE_THREADS  wrk's thread count (-t, and -c: one connection a thread)
--   AUTOSAVE_PACE_MS  pause before each request of a thread (0: back to back, the burst mode)
--   AUTOSAVE_PAD      size of the file's body besides its first line
--   AUTOSAVE_OUT      where done() writes each candidate's last acknowledged revision
--
-- Each thread has one connection, so its requests strictly alternate with their responses and
-- a response belongs to the candidate of the last request. A thread saves for its candidates in
-- turn, each save based on the revision the server last acknowledged, as the editor does.

local threads = {}
local count = 0

function setup(thread)
   thread:set("id", count)
   table.insert(threads, thread)
   count = count + 1
end

function init(args)
   local threads_total = tonumber(os.getenv("AUTOSAVE_THREADS"))
   pace = tonumber(os.getenv("AUTOSAVE_PACE_MS"))
   filler = string.rep("x", tonumber(os.getenv("AUTOSAVE_PAD")))
   candidates, acked = {}, {}
   counts = { ok = 0, conflict = 0, limited = 0, other = 0 }
   local line_no = 0
   for line in io.lines(os.getenv("AUTOSAVE_DATA")) do
      if line_no % threads_total == id then
         local index, revision, attempt, cookie, csrf, item, file =
            line:match("^(%d+) (%d+) (%S+) (%S+) (%S+) (%d+) (%S+)$")
         table.insert(candidates, {
            index = tonumber(index),
            path = "/c/" .. attempt .. "/api/items/" .. item .. "/draft",
            headers = {
               ["Content-Type"] = "application/json",
               ["Cookie"] = cookie,
               ["X-CSRFToken"] = csrf,
            },
            file = file,
            revision = tonumber(revision),
         })
      end
      line_no = line_no + 1
   end
   current = 0
end

function delay()
   return pace
end

function request()
   current = current % #candidates + 1
   local c = candidates[current]
   local next_revision = c.revision + 1
   -- The content names its candidate and revision: the checker rebuilds it from those two.
   local body = '{"revision":' .. c.revision .. ',"files":{"' .. c.file .. '":"# candidate '
      .. c.index .. " revision " .. next_revision .. "\\n" .. filler .. '\\n"}}'
   return wrk.format("POST", c.path, c.headers, body)
end

function response(status, headers, body)
   local c = candidates[current]
   if status == 200 then
      local revision = tonumber(body:match('"revision":%s*(%d+)'))
      c.revision = revision
      acked[c.index] = revision
      counts.ok = counts.ok + 1
   elseif status == 409 then
      -- Only after a request the server applied but whose answer was lost (a timeout).
      c.revision = tonumber(body:match('"current_revision":%s*(%d+)')) or c.revision
      counts.conflict = counts.conflict + 1
   elseif status == 429 then
      counts.limited = counts.limited + 1
   else
      counts.other = counts.other + 1
   end
end

function done(summary, latency, requests)
   local out = io.open(os.getenv("AUTOSAVE_OUT"), "w")
   local ok, conflict, limited, other = 0, 0, 0, 0
   for _, thread in ipairs(threads) do
      for index, revision in pairs(thread:get("acked")) do
         out:write(string.format("ack %d %d\n", index, revision))
      end
      local c = thread:get("counts")
      ok, conflict, limited = ok + c.ok, conflict + c.conflict, limited + c.limited
      other = other + c.other
   end
   local e = summary.errors
   out:write(string.format(
      "summary %d %d %d %d %d %d %d %d %d %d %d %d %d %d\n",
      summary.requests, summary.duration, ok, conflict, limited, other,
      e.connect, e.read, e.write, e.timeout,
      latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max
   ))
   out:close()
end
