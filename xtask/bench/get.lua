-- GET one path (env GET_PATH) or, when PATHS_FILE is set, each path of that file in turn
-- (each thread its own share), with the bearer and session of the environment.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

function init(args)
  local hdr = base_headers()
  if os.getenv("PATHS_FILE") then
    paths = {}
    for _, p in ipairs(my_lines("PATHS_FILE", tid, tonumber(os.getenv("THREADS")))) do
      table.insert(paths, wrk.format("GET", p, hdr))
    end
    n = 0
  else
    req = wrk.format("GET", os.getenv("GET_PATH") or "/", hdr)
  end
end

function request()
  if req then return req end
  n = n % #paths + 1
  return paths[n]
end
