-- POST an invitation (env INVITE_PATH) with a unique email per request: RUN (one per wrk
-- invocation) x thread x a per-thread counter, as the better-auth peer's wrk-invite.lua does,
-- so no request is ever refused as a duplicate.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local run = os.getenv("RUN") or tostring(os.time())

function init(args)
  n = 0
  hdr = base_headers()
  hdr["Content-Type"] = "application/json"
  path = os.getenv("INVITE_PATH")
end

function request()
  n = n + 1
  local body = string.format('{"email":"inv-%s-t%d-%d@example.com","role":"member"}', run, tid, n)
  return wrk.format("POST", path, hdr, body)
end
