-- How tensors print (as Torch7's Tensor.lua): all shown values share one format chosen from
-- their magnitudes (integers, fixed point, a common "1e-03 *" scale, or scientific), lines wrap
-- at 80 columns ("Columns 1 to 8"), tensors over 1000 elements show the first and last 3 indices
-- of each dimension with "..." between, and a footer gives the size: [Tensor of size 2x3].
-- Inside tables a tensor prints short: Tensor[2x3] (__short, used by foley.pretty).
local Tensor = foley.types.Tensor
local WIDTH, EDGE, THRESHOLD = 80, 3, 1000
local floor, abs, huge, format, rep, concat = math.floor, math.abs, math.huge, string.format, string.rep, table.concat

local function size_string(shape)
  if #shape == 0 then return "()" end
  return concat(shape, "x")
end

function Tensor.__short(t)
  local ok, shape = pcall(t.shape, t)
  if not ok then return "Tensor[closed]" end
  return "Tensor[" .. size_string(shape) .. "]"
end

local function finite(x) return x == x and x ~= huge and x ~= -huge end

-- Torch7's rule for the shared format: (conversion, scale or nil, cell width).
local function choose_format(int_mode, maxabs, minabs)
  local exp_min = minabs ~= 0 and floor(math.log(minabs, 10)) + 1 or 1
  local exp_max = maxabs ~= 0 and floor(math.log(maxabs, 10)) + 1 or 1
  if int_mode then
    if exp_max > 9 then return ".4e", nil, 11 end
    return ".0f", nil, exp_max + 1
  end
  if exp_max - exp_min > 4 then
    return ".4e", nil, (abs(exp_max) > 99 or abs(exp_min) > 99) and 12 or 11
  end
  if exp_max > 5 or exp_max < 0 then return ".4f", 10 ^ (exp_max - 1), 7 end
  return ".4f", nil, exp_max == 0 and 7 or exp_max + 6
end

-- The shared format of `values`: format string, scale (or nil) and cell width; wide enough
-- for nan, inf and -inf too.
local function print_format(values)
  local int_mode, maxabs, minabs, any, special = true, 0, huge, false, 0
  for i = 1, #values do
    local x = values[i]
    if x ~= x or x == huge then
      special = math.max(special, 3)
    elseif x == -huge then
      special = 4
    else
      any = true
      if x ~= floor(x) then int_mode = false end
      local a = abs(x)
      if a > maxabs then maxabs = a end
      if a < minabs then minabs = a end
    end
  end
  if not any then return "%4.0f", nil, 4 end
  local conv, scale, sz = choose_format(int_mode, maxabs, minabs)
  sz = math.max(sz, special)
  return "%" .. sz .. conv, scale, sz
end

local function cell(x, fmt, scale, sz)
  if x ~= x then return format("%" .. sz .. "s", "nan") end
  if x == huge then return format("%" .. sz .. "s", "inf") end
  if x == -huge then return format("%" .. sz .. "s", "-inf") end
  if scale then x = x / scale end
  local s = format(fmt, x)
  if s:match("^%s*%-0%.?0*$") then s = s:gsub("%-0", " 0") end   -- no "-0"
  return s
end

-- Which indices of a dimension of size n are shown, and after which shown position "..." goes.
local function shown(n, summarize)
  local idx = {}
  if summarize and n > 2 * EDGE then
    for i = 1, EDGE do idx[#idx + 1] = i end
    for i = n - EDGE + 1, n do idx[#idx + 1] = i end
    return idx, EDGE
  end
  for i = 1, n do idx[i] = i end
  return idx, nil
end

-- Lines of one row of cells (with the gap marker), wrapped at WIDTH.
local function wrap_row(cells, gap)
  local lines, line = {}, ""
  for i, c in ipairs(cells) do
    local piece = " " .. c
    if #line + #piece > WIDTH and #line > 0 then lines[#lines + 1] = line; line = "" end
    line = line .. piece
    if gap == i then
      if #line + 4 > WIDTH then lines[#lines + 1] = line; line = "" end
      line = line .. " ..."
    end
  end
  lines[#lines + 1] = line
  return lines
end

-- Lines of a matrix: rows x cols cells from `get(r, c)` (shown coordinates), column blocks of
-- at most WIDTH characters with "Columns a to b" headers when it does not fit.
local function matrix_lines(nrows, ncols, get, row_gap, col_gap, col_labels, sz)
  local per_block = math.max(1, floor(WIDTH / (sz + 1)))
  if col_gap then per_block = math.max(1, floor((WIDTH - 4) / (sz + 1))) end
  local blocks = {}
  if ncols <= per_block then
    blocks[1] = { 1, ncols }
  else
    for first = 1, ncols, per_block do blocks[#blocks + 1] = { first, math.min(first + per_block - 1, ncols) } end
  end
  local lines = {}
  for b, block in ipairs(blocks) do
    if #blocks > 1 then
      if b > 1 then lines[#lines + 1] = "" end
      lines[#lines + 1] = format("Columns %d to %d", col_labels[block[1]], col_labels[block[2]])
    end
    for r = 1, nrows do
      local parts = {}
      for c = block[1], block[2] do
        parts[#parts + 1] = " " .. get(r, c)
        if col_gap == c and c < block[2] then parts[#parts + 1] = " ..." end
      end
      if col_gap == block[2] and block[2] < ncols then parts[#parts + 1] = " ..." end
      lines[#lines + 1] = concat(parts)
      if row_gap == r then lines[#lines + 1] = " ..." end
    end
  end
  return lines
end

function Tensor.__tostring(t)
  local ok, shape = pcall(t.shape, t)
  if not ok then return "[closed Tensor]" end
  local footer = "[Tensor of size " .. size_string(shape) .. "]"
  local rank, n = #shape, t:numel()
  if n == 0 then return footer end
  if rank == 0 then
    local v = t:item()
    return (finite(v) and format("%.6g", v) or cell(v, "", nil, 0)) .. "\n" .. footer
  end
  -- The shown part: the first and last EDGE indices of each long dimension when summarizing.
  local summarize = n > THRESHOLD
  local view, idx, gaps = t, {}, {}
  for d = 1, rank do
    idx[d], gaps[d] = shown(shape[d], summarize)
    if gaps[d] then view = view:index(d, idx[d]) end
  end
  local values = view:flatten():totable()
  local fmt, scale, sz = print_format(values)
  local lines = {}
  if scale then lines[1] = format("%g *", scale) end
  local function get(offset) return cell(values[offset], fmt, scale, sz) end
  if rank == 1 then
    local cells = {}
    for i = 1, #idx[1] do cells[i] = get(i) end
    for _, l in ipairs(wrap_row(cells, gaps[1])) do lines[#lines + 1] = l end
  else
    local vshape = view:shape()
    local rows, cols = vshape[rank - 1], vshape[rank]
    local slice = rows * cols
    local nslices = #values // slice
    -- Leading (shown) coordinates of each matrix slice, in row-major order.
    local lead = {}
    for d = 1, rank - 2 do lead[d] = 1 end
    for s = 1, nslices do
      if rank > 2 then
        local label = {}
        for d = 1, rank - 2 do label[d] = idx[d][lead[d]] end
        if s > 1 then lines[#lines + 1] = "" end
        lines[#lines + 1] = "(" .. concat(label, ",") .. ",.,.) = "
      end
      local base = (s - 1) * slice
      for _, l in ipairs(matrix_lines(rows, cols, function(r, c) return get(base + (r - 1) * cols + c) end,
          gaps[rank - 1], gaps[rank], idx[rank], sz)) do
        lines[#lines + 1] = l
      end
      -- Advance the leading coordinates; mark elided slices.
      for d = rank - 2, 1, -1 do
        lead[d] = lead[d] + 1
        if lead[d] <= vshape[d] then
          if gaps[d] and lead[d] == gaps[d] + 1 then lines[#lines + 1] = ""; lines[#lines + 1] = "..." end
          break
        end
        lead[d] = 1
      end
    end
  end
  lines[#lines + 1] = footer
  return concat(lines, "\n")
end
