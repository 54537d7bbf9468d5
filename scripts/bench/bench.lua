-- wrk script for every benchmark scenario (GET or POST), run as
--   wrk -t T -c C -d D --latency -s bench.lua URL -- METHOD [BODY_FILE [TOKENS_FILE]]
-- Headers (Cookie, Content-Type) come from wrk's -H options.
--
-- A POST's body is BODY_FILE with the placeholder __FORM_TOKEN__ replaced by the next unused line of
-- TOKENS_FILE: thread i of n takes lines i, i+n, i+2n... so no token is ever sent twice. When a thread has
-- used its last token it stops (and the run is reported as exhausted, then measured again with more).
--
-- Every response's status is counted, so a 302 to the sign-in page or a 200 form with errors where a 302
-- was expected is caught, not only wrk's own "non-2xx or 3xx". done() prints one JSON line for the bench.

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
  for _, each in ipairs(threads) do
    each:set("nthreads", counter)  -- every setup() runs before any thread starts: the last one sets the total
  end
end

local method, prefix, suffix, tokens, next_token = "GET", nil, nil, {}, 1
statuses = {}
exhausted = 0
sent = 0

local function read(path)
  local file = assert(io.open(path, "rb"))
  local data = file:read("*a")
  file:close()
  return data
end

function init(args)
  method = args[1] or "GET"
  if args[2] and args[2] ~= "" then
    local body = read(args[2])
    local at = string.find(body, "__FORM_TOKEN__", 1, true)
    if at then
      prefix, suffix = string.sub(body, 1, at - 1), string.sub(body, at + string.len("__FORM_TOKEN__"))
    else
      prefix, suffix = body, nil
    end
  end
  if args[3] and args[3] ~= "" then
    local line_number = 0
    for line in io.lines(args[3]) do
      if line ~= "" then
        if line_number % nthreads == id then
          table.insert(tokens, line)
        end
        line_number = line_number + 1
      end
    end
  end
end

function request()
  if method == "GET" then
    return wrk.format("GET", nil, nil, nil)
  end
  if suffix == nil then
    return wrk.format(method, nil, nil, prefix)
  end
  local token = tokens[next_token]
  if token == nil then
    exhausted = 1
    wrk.thread:stop()
    return wrk.format("GET", "/healthz", {}, nil)  -- wrk wants a request; its answer is not counted
  end
  next_token = next_token + 1
  sent = sent + 1
  return wrk.format(method, nil, nil, prefix .. token .. suffix)
end

function response(status, headers, body)
  if exhausted == 0 then
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local counts, ran_dry, posted = {}, 0, 0
  for _, thread in ipairs(threads) do
    local mine = thread:get("statuses")
    for code, count in pairs(mine) do
      counts[code] = (counts[code] or 0) + count
    end
    ran_dry = ran_dry + thread:get("exhausted")
    posted = posted + thread:get("sent")
  end
  local parts = {}
  for code, count in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', code, count))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d}, ' ..
    '"statuses": {%s}, "exhausted": %d, "sent": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect, e.read, e.write, e.timeout, e.status, table.concat(parts, ", "), ran_dry, posted))
end
