-- bench/put-rating.lua: wrk script. PUT /api/parks/<park>/rating by many distinct users, each
-- request as the next user's bearer token in turn, the stars changing each round so that every
-- request writes (and, with synchronous=FULL, syncs) a change. Tokens: one per line in the file
-- named by the environment variable BENCH_TOKENS; the park: BENCH_PARK.
local tokens, park = {}, os.getenv("BENCH_PARK")
for line in io.lines(os.getenv("BENCH_TOKENS")) do
  if #line > 0 then tokens[#tokens + 1] = line end
end

-- wrk's thread count comes as the script's argument (wrk ... -s put-rating.lua URL -- THREADS).
local started = 0
function setup(thread)
  thread:set("tid", started)
  started = started + 1
end

local n, step
function init(args)
  n, step = tid, tonumber(args[1]) or 1  -- thread t takes requests t, t + step, t + 2 step, ...
end

function request()
  local user = n % #tokens
  local stars = math.floor(n / #tokens) % 5 + 1
  n = n + step
  return wrk.format("PUT", "/api/parks/" .. park .. "/rating",
    { ["Authorization"] = "Bearer " .. tokens[user + 1], ["Content-Type"] = "application/json" },
    '{"stars":' .. stars .. '}')
end
