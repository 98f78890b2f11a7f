-- bench/mix.lua: wrk script, the realistic mix of R1 (docs/reliability.md): 90 % reads (the park
-- list in its sorts, park pages, the first three pages of a park's reviews, analytics) and 10 %
-- writes (a rating, an edit of one's review, a post, a saved location, a helpful vote), each write
-- as one of the 1,000 benchmark users in turn; the reads take gzip, as every browser does. Every
-- request is one the API answers with a 2xx.
-- Environment: BENCH_TOKENS, BENCH_REVIEWS, BENCH_TEXTS (bench/seed.py's files), BENCH_PARK (the
-- park with the reviews), BENCH_CURSORS (the cursors of its reviews pages 2 and 3, space-separated),
-- BENCH_WRITES (the writes' share in %, 10 unless set; the reads and the writes keep their shares),
-- BENCH_SIGNED_READS (1: every read as a signed-in user too, so nginx's micro-cache never answers).
-- Argument: wrk's thread count (wrk ... -s mix.lua URL -- THREADS).
local tokens, reviews, texts = {}, {}, {}
for line in io.lines(os.getenv("BENCH_TOKENS")) do
  if #line > 0 then tokens[#tokens + 1] = line end
end
for line in io.lines(os.getenv("BENCH_REVIEWS")) do
  if #line > 0 then reviews[#reviews + 1] = line end
end
for line in io.lines(os.getenv("BENCH_TEXTS")) do
  if #line > 0 then texts[#texts + 1] = line end
end
local park = os.getenv("BENCH_PARK")
local writes = tonumber(os.getenv("BENCH_WRITES") or "10")
local signed_reads = os.getenv("BENCH_SIGNED_READS") == "1"
local cursors = {}
for c in string.gmatch(os.getenv("BENCH_CURSORS") or "", "%S+") do cursors[#cursors + 1] = c end

local started = 0
function setup(thread)
  thread:set("tid", started)
  started = started + 1
end

local n, step
function init(args)
  n, step = tid, tonumber(args[1]) or 1
  math.randomseed(1000 + tid)
end

local sorts = { "name", "rating", "reviews" }

local function as(user, method, path, body)
  return wrk.format(method, path, { ["Authorization"] = "Bearer " .. tokens[user],
    ["Content-Type"] = "application/json" }, body)
end

-- A read: anonymous, or as the next user with --signed-reads. Like every browser, it takes gzip.
local function get(path)
  if not signed_reads then return wrk.format("GET", path, { ["Accept-Encoding"] = "gzip, deflate, br" }) end
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. tokens[n % #tokens + 1],
    ["Accept-Encoding"] = "gzip, deflate, br" })
end

function request()
  n = n + step
  if math.random() * 100 >= writes then             -- reads, r in 1..90 by their shares
    local r = math.random(90)
    if r <= 20 then
      return get("/api/parks?limit=20&sort=" .. sorts[math.random(3)])
    elseif r <= 40 then
      return get("/api/parks/" .. math.random(63))
    elseif r <= 60 then
      return get("/api/parks/" .. park .. "/reviews?limit=20")
    elseif r <= 70 and #cursors >= 2 then
      return get("/api/parks/" .. park .. "/reviews?limit=20&cursor=" .. cursors[math.random(2)])
    elseif r <= 80 then
      return get("/api/parks/" .. math.random(63) .. "/reviews?limit=20&sort=helpful")
    elseif r <= 85 then
      return get("/api/analytics/parks/" .. math.random(63))
    else
      return get("/api/analytics/summary")
    end
  end
  local user = n % #tokens + 1                      -- writes, as the next user
  local w = math.random(10)
  if w <= 3 then
    return as(user, "PUT", "/api/parks/" .. math.random(63) .. "/rating", '{"stars":' .. math.random(5) .. '}')
  elseif w <= 5 then
    -- Another seeded text, not a short one: the reviews pages keep their size from round to round.
    return as(user, "PATCH", "/api/reviews/" .. reviews[user],
      '{"stars":' .. math.random(5) .. ',"body":"' .. texts[math.random(#texts)] .. '"}')
  elseif w <= 7 then
    return as(user, "POST", "/api/channels/" .. math.random(5) .. "/posts",
      '{"title":"Load test","body":"A post written by the load test."}')
  elseif w <= 9 then
    return as(user, "POST", "/api/users/me/locations",
      '{"label":"Load test","latitude":' .. (math.random(180) - 90) .. ',"longitude":' .. (math.random(360) - 180) .. '}')
  else
    return as(user, "PUT", "/api/reviews/" .. reviews[user % #reviews + 1] .. "/helpful", nil)
  end
end
