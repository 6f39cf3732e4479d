-- A request plan for wrk, written by bench/load.py into one directory:
--   method, path (template), body (template, may be empty), ids (one per line), token, offset
-- Request k uses ids[offset + k] (wrapping around) in place of {id} in the path and the body.
-- done() prints one JSON line prefixed with BENCH_JSON for the harness to parse.

local function read(path)
  local file = assert(io.open(path, "rb"))
  local content = file:read("*a")
  file:close()
  return content
end

local function split(template)
  local at = string.find(template, "{id}", 1, true)
  if at == nil then
    return template, nil
  end
  return string.sub(template, 1, at - 1), string.sub(template, at + 4)
end

local ids = {}
local counter = 0
local method, path_head, path_tail, body_head, body_tail, headers

init = function(args)
  local dir = args[1]
  method = (read(dir .. "/method"):gsub("%s+$", ""))
  path_head, path_tail = split((read(dir .. "/path"):gsub("%s+$", "")))
  body_head, body_tail = split(read(dir .. "/body"))
  for line in io.lines(dir .. "/ids") do
    if #line > 0 then
      ids[#ids + 1] = line
    end
  end
  counter = tonumber((read(dir .. "/offset"):gsub("%s+$", ""))) or 0
  headers = { ["Authorization"] = "Bearer " .. (read(dir .. "/token"):gsub("%s+$", "")) }
  if #body_head > 0 then
    headers["Content-Type"] = "application/json"
  end
end

request = function()
  local id = ids[(counter % #ids) + 1]
  counter = counter + 1
  local path = path_head
  if path_tail ~= nil then
    path = path_head .. id .. path_tail
  end
  local body = nil
  if #body_head > 0 then
    body = body_head
    if body_tail ~= nil then
      body = body_head .. id .. body_tail
    end
  end
  return wrk.format(method, path, headers, body)
end

done = function(summary, latency, requests)
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "errors": {"connect": %d, "read": %d, "write": %d,'
      .. ' "status": %d, "timeout": %d}, "latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d,'
      .. ' "mean": %.1f}}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean
  ))
end
