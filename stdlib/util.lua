-- Helpers for experiments: range, grid and sweep over parameter tables, timeit.

--- range(n) is {1, ..., n}; range(a, b[, step]) is a, a+step, ... up to b inclusive (as a
--- numeric for loop), floats allowed: range(0, 1, 0.25) is {0, 0.25, 0.5, 0.75, 1}.
function range(a, b, step)
  if b == nil then a, b = 1, a end
  step = step or 1
  if type(a) ~= "number" or type(b) ~= "number" or type(step) ~= "number" then
    error("range: numbers expected", 2)
  end
  if step == 0 then error("range: step must not be zero", 2) end
  local out = {}
  if math.type(a) == "integer" and math.type(b) == "integer" and math.type(step) == "integer" then
    for i = a, b, step do out[#out + 1] = i end
  else
    local n = math.floor((b - a) / step + 1e-9)
    for i = 0, n do out[#out + 1] = a + i * step end
  end
  return out
end
foley.doc("range", [[range(n) | range(first, last[, step]) -> {numbers}
{1, ..., n}, or first, first+step, ... up to last inclusive (floats allowed):
range(0, 1, 0.25) is {0, 0.25, 0.5, 0.75, 1}.]])

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys, function(x, y) return tostring(x) < tostring(y) end)
  return keys
end

--- grid{lr = {1e-3, 1e-4}, steps = {10, 20}, seed = 1} is the cartesian product of the lists
--- (a non-table value is fixed; wrap a table value in a list: shape = {{2, 3}}), keys in
--- sorted order, the last key varying fastest.
function grid(spec)
  if type(spec) ~= "table" then error("grid: table of parameter lists expected", 2) end
  local keys = sorted_keys(spec)
  local lists = {}
  for i, k in ipairs(keys) do
    local v = spec[k]
    lists[i] = type(v) == "table" and v or { v }
    if #lists[i] == 0 then error("grid: the list for '" .. tostring(k) .. "' is empty", 2) end
  end
  local out = {}
  local function walk(i, current)
    if i > #keys then
      local p = {}
      for k, v in pairs(current) do p[k] = v end
      out[#out + 1] = p
      return
    end
    for _, v in ipairs(lists[i]) do
      current[keys[i]] = v
      walk(i + 1, current)
    end
    current[keys[i]] = nil
  end
  walk(1, {})
  return out
end
foley.doc("grid", [[grid(spec) -> {params, ...}
Every combination of the parameter lists in spec (the cartesian product), keys in sorted
order, the last varying fastest: grid{lr = {1e-3, 1e-4}, steps = {10, 20}} has 4 tables.
A non-table value is fixed; to vary over table values, list them: shape = {{2, 3}, {4, 6}}.]])

--- sweep(spec, fn) calls fn(params) for each combination of grid(spec) and returns
--- {{params = p, result = r}, ...}.
function sweep(spec, fn)
  if type(fn) ~= "function" then error("sweep: function expected as argument #2", 2) end
  local results = {}
  for i, p in ipairs(grid(spec)) do
    results[i] = { params = p, result = fn(p) }
  end
  return results
end
foley.doc("sweep", [[sweep(spec, fn) -> {{params = p, result = r}, ...}
Calls fn(p) for every combination p of grid(spec), in order, and collects the results:
sweep({steps = {10, 20}, cfg = {1, 3}}, function(p) return run(p.steps, p.cfg) end).]])

--- timeit(fn[, n]) runs fn n times (default 1); returns the mean and best wall time in seconds.
function timeit(fn, n)
  if type(fn) ~= "function" then error("timeit: function expected", 2) end
  n = n or 1
  local clock = foley.clock
  local total, best = 0, math.huge
  for _ = 1, n do
    local t0 = clock()
    fn()
    local dt = clock() - t0
    total = total + dt
    if dt < best then best = dt end
  end
  return total / n, best
end
foley.doc("timeit", [[timeit(fn[, n]) -> mean_seconds, best_seconds
Runs fn n times (default 1) and returns the mean and the best wall-clock time.
In the REPL, `:time <code>` times one entry.]])
