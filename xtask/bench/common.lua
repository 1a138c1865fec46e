-- Shared by every wrk script of `cargo xtask bench` (after the better-auth peer's
-- wrk-common.lua): numbers each thread, and prints one line `RESULT {json}` when the run ends.
-- There is no response() callback on purpose: wrk then skips handing every response to Lua,
-- which would cost more CPU than the fastest servers here spend; wrk itself counts non-2xx/3xx
-- answers (errors.status) and socket errors.
local threads = {}
local next_id = 1

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    'RESULT {"label":"%s","requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,' ..
    '"p99_ms":%.3f,"max_ms":%.3f,"mean_ms":%.3f,"non2xx":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"timeout":%d,"bytes":%d}\n',
    os.getenv("LABEL") or "?", summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000, e.status, e.connect, e.read, e.write, e.timeout,
    summary.bytes))
end

-- Authorization and x-session-token from the environment (BEARER, SESSION) when set.
function base_headers()
  local h = {}
  if os.getenv("BEARER") then h["Authorization"] = "Bearer " .. os.getenv("BEARER") end
  if os.getenv("SESSION") then h["x-session-token"] = os.getenv("SESSION") end
  return h
end

-- The lines of the file named by environment variable `var` that fall to thread `tid` of
-- `count` (every count-th line, starting at the tid-th), so threads never share a line.
function my_lines(var, tid, count)
  local mine, i = {}, 0
  for line in io.lines(os.getenv(var)) do
    if i % count == tid - 1 then table.insert(mine, line) end
    i = i + 1
  end
  return mine
end
