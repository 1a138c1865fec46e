-- POST /invitations/accept, each request with its own invitee: PAIRS_FILE holds one
-- `bearer token` line per seeded invitation (the bearer's verified email is the invitation's),
-- split among the threads. A thread that runs out sends a malformed token, which answers 4xx
-- and so shows in the table as errors: seed more pairs when that happens.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

function init(args)
  pairs_ = my_lines("PAIRS_FILE", tid, tonumber(os.getenv("THREADS")))
  n = 0
end

function request()
  n = n + 1
  local bearer, token = "exhausted", "exhausted"
  if n <= #pairs_ then bearer, token = string.match(pairs_[n], "^(%S+) (%S+)$") end
  return wrk.format("POST", "/invitations/accept", {
    ["Authorization"] = "Bearer " .. bearer,
    ["Content-Type"] = "application/json",
  }, '{"token":"' .. token .. '"}')
end
