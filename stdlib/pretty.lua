-- Printing values: foley.pretty(v) renders tables (sorted keys, cycles marked, one line when
-- it fits in 80 columns); inside tables userdata print in their short form (a metatable's
-- __short, e.g. Tensor[2x3]). foley.show(...) is what the REPL prints results with.
local WIDTH, MAX_DEPTH, MAX_ITEMS = 80, 6, 100

local escapes = { ["\n"] = "\\n", ["\t"] = "\\t", ["\r"] = "\\r", ['"'] = '\\"', ["\\"] = "\\\\" }
local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return escapes[c] or string.format("\\%03d", c:byte()) end) .. '"'
end

local function short(v)
  local t = type(v)
  if t == "string" then return quote(v) end
  if t == "userdata" then
    local mt = getmetatable(v)
    local s = type(mt) == "table" and rawget(mt, "__short")
    if s then return s(v) end
  end
  return tostring(v)
end

local function has_tostring(v)
  local mt = getmetatable(v)
  return type(mt) == "table" and rawget(mt, "__tostring") ~= nil
end

local function is_identifier(k)
  return type(k) == "string" and k:match("^[%a_][%w_]*$") ~= nil
end

local type_order = { number = 1, string = 2, boolean = 3 }
local function key_less(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then return (type_order[ta] or 9) < (type_order[tb] or 9) end
  if ta == "number" or ta == "string" then return a < b end
  return tostring(a) < tostring(b)
end

local function render(v, indent, seen, depth)
  if type(v) ~= "table" or has_tostring(v) then return short(v) end
  if seen[v] then return "<cycle>" end
  if depth > MAX_DEPTH then return "{...}" end
  seen[v] = true
  local items, n = {}, rawlen(v)
  local count = 0
  for i = 1, n do
    count = count + 1
    if count > MAX_ITEMS then break end
    items[#items + 1] = render(rawget(v, i), indent + 2, seen, depth + 1)
  end
  local keys = {}
  for k in next, v do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
  end
  table.sort(keys, key_less)
  for _, k in ipairs(keys) do
    count = count + 1
    if count > MAX_ITEMS then break end
    local ks = is_identifier(k) and k or "[" .. short(k) .. "]"
    items[#items + 1] = ks .. " = " .. render(rawget(v, k), indent + 2, seen, depth + 1)
  end
  local total = n + #keys
  if total > MAX_ITEMS then items[#items + 1] = "... (" .. (total - MAX_ITEMS) .. " more)" end
  seen[v] = nil
  if #items == 0 then return "{}" end
  local line = "{" .. table.concat(items, ", ") .. "}"
  if indent + #line <= WIDTH and not line:find("\n", 1, true) then return line end
  local pad = string.rep(" ", indent + 2)
  return "{\n" .. pad .. table.concat(items, ",\n" .. pad) .. ",\n" .. string.rep(" ", indent) .. "}"
end

function foley.pretty(v)
  return render(v, 0, {}, 1)
end
foley.doc("foley.pretty", [[foley.pretty(value) -> string
A readable rendering of a value: tables with sorted keys, on one line when they fit in 80
columns; tensors inside tables as Tensor[2x3]; cycles as <cycle>.]])

function foley.show(...)
  local n = select('#', ...)
  local parts = {}
  for i = 1, n do
    local v = select(i, ...)
    parts[i] = (type(v) == "table" and not has_tostring(v)) and foley.pretty(v) or tostring(v)
  end
  print(table.unpack(parts, 1, n))
end
foley.doc("foley.show", [[foley.show(...)
Prints values as the REPL prints results: tables pretty, tensors in full, through print.]])
