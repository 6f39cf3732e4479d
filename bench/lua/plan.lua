-- A request plan for wrk, written by bench/load.py into one directory:
--   method, path (template), body (template, may be empty), ids (one row per line), token, offset,
--   headers (optional: one "Name: template" per line)
-- Request k uses row ids[offset + k] (wrapping around). A row is one value, or several separated by tabs;
-- in the path, body and header templates {id} (or {1}) is the row's first value, {2}, {3}, ... the next
-- ones, and {seq} is offset + k itself (unique within a run: idempotency keys). A token, when given, is
-- sent as "Authorization: Bearer <token>" unless a header template sets Authorization.
-- done() prints one JSON line prefixed with BENCH_JSON for the harness to parse.

local function read(path)
  local file = assert(io.open(path, "rb"))
  local content = file:read("*a")
  file:close()
  return content
end

local function trim(text)
  return (text:gsub("%s+$", ""))
end

-- A template becomes a list of literal strings and placeholders ({name}) so each request only concatenates.
local function compile(template)
  local parts = {}
  local position = 1
  while true do
    local first, last, name = string.find(template, "{(%w+)}", position)
    if first == nil then
      break
    end
    if first > position then
      parts[#parts + 1] = string.sub(template, position, first - 1)
    end
    if name == "id" then
      name = "1"
    end
    parts[#parts + 1] = { name }
    position = last + 1
  end
  if position <= #template then
    parts[#parts + 1] = string.sub(template, position)
  end
  return parts
end

local function render(parts, row, seq)
  local out = {}
  for index, part in ipairs(parts) do
    if type(part) == "string" then
      out[index] = part
    elseif part[1] == "seq" then
      out[index] = tostring(seq)
    else
      local field = tonumber(part[1])
      out[index] = (field and row[field]) or ("{" .. part[1] .. "}")
    end
  end
  return table.concat(out)
end

local rows = {}
local counter = 0
local method, path_parts, body_parts, has_body
local fixed_headers = {}
local header_parts = {}

init = function(args)
  local dir = args[1]
  method = trim(read(dir .. "/method"))
  path_parts = compile(trim(read(dir .. "/path")))
  local body = read(dir .. "/body")
  has_body = #body > 0
  body_parts = compile(body)
  for line in io.lines(dir .. "/ids") do
    if #line > 0 then
      local row = {}
      for value in string.gmatch(line, "[^\t]+") do
        row[#row + 1] = value
      end
      rows[#rows + 1] = row
    end
  end
  counter = tonumber(trim(read(dir .. "/offset"))) or 0
  local token = trim(read(dir .. "/token"))
  if #token > 0 then
    fixed_headers["Authorization"] = "Bearer " .. token
  end
  if has_body then
    fixed_headers["Content-Type"] = "application/json"
  end
  local file = io.open(dir .. "/headers", "rb")
  if file ~= nil then
    file:close()
    for line in io.lines(dir .. "/headers") do
      local name, value = string.match(line, "^([^:]+):%s*(.*)$")
      if name ~= nil then
        header_parts[name] = compile(value)
      end
    end
  end
end

request = function()
  local row = rows[(counter % #rows) + 1]
  local seq = counter
  counter = counter + 1
  local headers = {}
  for name, value in pairs(fixed_headers) do
    headers[name] = value
  end
  for name, parts in pairs(header_parts) do
    headers[name] = render(parts, row, seq)
  end
  local body = nil
  if has_body then
    body = render(body_parts, row, seq)
  end
  return wrk.format(method, render(path_parts, row, seq), headers, body)
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
