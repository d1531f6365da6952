-- plot-losses.lua LOG.jsonl OUT.png [KEY]: draws a training log's loss curve (KEY, default "loss") as a PNG.
-- Used for the default model's card: foley run scripts/plot-losses.lua runs/default-vae/log.jsonl vae-loss.png
local log, out, key = arg[1], arg[2], arg[3] or "loss"
assert(log and out, "usage: plot-losses.lua LOG.jsonl OUT.png [KEY]")
local values = {}
for line in io.lines(log) do
  local v = line:match('"' .. key .. '":([%-%d%.eE+]+)')
  if v then values[#values + 1] = tonumber(v) end
end
assert(#values > 1, "fewer than two '" .. key .. "' values in " .. log)
foley.plot.line(foley.tensor(values), out)
print(string.format("%s: %d points, first %.4f, last %.4f -> %s", key, #values, values[1], values[#values], out))
