-- print and io.write, routed through foley._emit / foley._record so that a REPL session's
-- notebook records what each cell prints (see Notebook.swift). Behaviour is lua.c's otherwise.
local emit, record = foley._emit, foley._record
local tostring, select, concat = tostring, select, table.concat
local mathtype, format = math.type, string.format

function print(...)
  local n = select('#', ...)
  local parts = {}
  for i = 1, n do parts[i] = tostring((select(i, ...))) end
  emit(concat(parts, "\t", 1, n) .. "\n")
end

local raw_write, stdout = io.write, io.stdout
function io.write(...)
  if io.output() ~= stdout then return raw_write(...) end
  local r = table.pack(raw_write(...))   -- raises lua's own errors for bad arguments
  local parts = {}
  for i = 1, select('#', ...) do
    local v = select(i, ...)
    local t = mathtype(v)
    parts[i] = t == "integer" and format("%d", v) or t == "float" and format("%.14g", v) or v
  end
  record(concat(parts))
  return table.unpack(r, 1, r.n)
end
