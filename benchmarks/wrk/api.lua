-- wrk script for benchmarks/api_bench.py: one endpoint of the AutoClip API per run.
--
--   wrk -t2 -c50 -d30s --latency --timeout 10s -s benchmarks/wrk/api.lua \
--       http://127.0.0.1:8000 -- <endpoint> <users.lua> <threads>
--
-- <endpoint> is one of: health, list, one, create, or mix (benchmarks/soak.py: of every 20
--   requests, 14 GET one, 5 GET a page and 1 POST, each user in turn).
-- <users.lua> is a Lua file that returns a list of users, each {token = "...", ids = {...}}
--   (api_bench.py writes it after seeding).
-- <threads> is the -t given to wrk.
--
-- wrk's Lua API does not say which connection a request goes out on, so the users are
-- split between the threads (user i belongs to thread (i - 1) % threads) and each thread
-- hands its users out in turn, one per request: every user gets the same share of the
-- load, which keeps each one far below its plan's per-minute rate limit.
--
-- done() prints one line, "WRKJSON {...}": requests, requests/s, latency percentiles in
-- ms, the count of every status code and of socket errors.

local threads = {}

-- WRK_PAUSE_MS (benchmarks/soak.py): each connection waits this long after an answer before
-- its next request, so that N connections send a steady N / (pause + latency) requests a
-- second instead of as many as the server can take. wrk looks for delay() once, before
-- init, so it is defined here, and only when asked for.
local pause = tonumber(os.getenv("WRK_PAUSE_MS") or "")
if pause then
  function delay()
    return pause
  end
end

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local CREATE_BODY = '{"generation_type":"text","text":"Sleep is the quiet engine of health. '
  .. 'Adults who sleep seven hours a night remember more, eat less sugar and catch fewer '
  .. 'colds than those who sleep five.","options":{"draft":true}}'

local endpoint
local mine = {}      -- this thread's users: {headers = {...}, ids = {...}, next = n, request = s}
local turn = 0
local sent = 0
local started = os.time()  -- soak.py runs wrk a minute at a time: texts of one run only
local health_request

function init(args)
  endpoint = args[1]
  local users = dofile(args[2])
  local nthreads = tonumber(args[3])
  statuses = {}
  for i, user in ipairs(users) do
    if (i - 1) % nthreads == tid then
      local headers = {["Authorization"] = "Bearer " .. user.token}
      table.insert(mine, {headers = headers, ids = user.ids, next = 0})
    end
  end
  if endpoint == "health" then
    health_request = wrk.format("GET", "/health")
  elseif endpoint == "list" then
    for _, user in ipairs(mine) do
      user.request = wrk.format("GET", "/api/v1/contents?per_page=20", user.headers)
    end
  elseif endpoint == "create" or endpoint == "mix" then
    for _, user in ipairs(mine) do
      local json = {}
      for name, value in pairs(user.headers) do
        json[name] = value
      end
      json["Content-Type"] = "application/json"
      user.json = json
      user.request = wrk.format("POST", "/api/v1/contents", json, CREATE_BODY)
      user.list = wrk.format("GET", "/api/v1/contents?per_page=20", user.headers)
    end
  elseif endpoint ~= "one" then
    error("unknown endpoint: " .. tostring(endpoint))
  end
  if endpoint ~= "health" and #mine == 0 then
    error("thread " .. tid .. " has no users")
  end
end

function request()
  if endpoint == "health" then
    return health_request
  end
  turn = turn % #mine + 1
  local user = mine[turn]
  if endpoint == "mix" then
    sent = sent + 1
    local slot = sent % 20
    if slot == 0 then
      -- A text of its own (a numbered sentence more): the same text would be a cache hit
      -- at every stage, and nothing would really be rendered.
      local body = CREATE_BODY:gsub('five%."', "five. Note " .. started .. "-" .. tid .. "-"
        .. sent .. '."')
      return wrk.format("POST", "/api/v1/contents", user.json, body)
    elseif slot <= 5 then
      return user.list
    end
  end
  if endpoint == "one" or endpoint == "mix" then
    user.next = user.next % #user.ids + 1
    return wrk.format("GET", "/api/v1/contents/" .. user.ids[user.next], user.headers)
  end
  return user.request
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

local function ms(us)
  return string.format("%.3f", us / 1000)
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + n
    end
  end
  local parts, non2xx = {}, 0
  for status, n in pairs(counts) do
    table.insert(parts, string.format('"%d":%d', status, n))
    if status < 200 or status > 299 then
      non2xx = non2xx + n
    end
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  print(string.format(
    'WRKJSON {"requests":%d,"duration_s":%.3f,"rps":%.1f,'
      .. '"p50_ms":%s,"p90_ms":%s,"p95_ms":%s,"p99_ms":%s,"mean_ms":%s,"max_ms":%s,'
      .. '"non_2xx":%d,"statuses":{%s},'
      .. '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d}}',
    summary.requests, seconds, summary.requests / seconds,
    ms(latency:percentile(50)), ms(latency:percentile(90)), ms(latency:percentile(95)),
    ms(latency:percentile(99)), ms(latency.mean), ms(latency.max),
    non2xx, table.concat(parts, ","),
    e.connect, e.read, e.write, e.timeout))
end
