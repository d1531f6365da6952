-- score_generations.lua: judging generated audio with foley.metrics (melstats backbone, no download).
-- Shows: Pipeline:generate with count, Audio:save into two folders, foley.metrics.embedder and
-- Embedder:embed, foley.metrics.fad over stacked embeddings, paired lsd/mcd, and
-- foley.metrics.eval over the folders (what `foley eval --generated --reference` prints).
--   foley run examples/score_generations.lua [model folder]
-- Writes score_generations/{low,high}/clip-N.wav; prints FAD, LSD and MCD between guidance 1 and 4.
local pipe = foley.models.load(arg[1] or os.getenv("FOLEY_MODEL"))
local tiny = pipe.mel_bins < 16
local steps, seconds, count = tiny and 4 or 25, tiny and 0.1 or 3, tiny and 3 or 8
local prompt = "rain on a tin roof"

-- The same seeds at two guidance scales: clip-i in one folder pairs with clip-i in the other.
local function batch(guidance)
  return pipe:generate{prompt = prompt, steps = steps, guidance = guidance, seed = 7, seconds = seconds, count = count}
end
local low, high = batch(1), batch(4)

local root = "score_generations"
for _, dir in ipairs{root, root .. "/low", root .. "/high"} do os.execute("mkdir -p " .. dir) end
for i = 1, count do
  -- Read back what was written, so the numbers below see exactly what `foley eval` reads.
  local l, h = string.format("%s/low/clip-%d.wav", root, i), string.format("%s/high/clip-%d.wav", root, i)
  low[i]:save(l)
  high[i]:save(h)
  low[i], high[i] = foley.audio.load(l), foley.audio.load(h)
end

-- FAD by hand: one embedding row per clip, stacked, then the Fréchet distance of the two sets.
local e = foley.metrics.embedder("melstats")
local function embed_all(clips)
  local rows = {}
  for i, a in ipairs(clips) do rows[i] = e:embed(a) end
  return foley.tensor.cat(rows, 1)
end
local fad = foley.metrics.fad(embed_all(low), embed_all(high))

-- Paired distances, clip by clip.
local lsd, mcd = 0, 0
for i = 1, count do
  lsd = lsd + foley.metrics.lsd(high[i], low[i]) / count
  mcd = mcd + foley.metrics.mcd(high[i], low[i]) / count
end
print(string.format("%s: FAD %.4g  LSD %.4g  MCD %.4g dB (%d pairs, guidance 4 vs 1)", e, fad, lsd, mcd, count))

-- The same through the folder evaluation `foley eval` runs.
local r = foley.metrics.eval(root .. "/high", root .. "/low", "fad,lsd,mcd")
print(string.format("eval: FAD %.4g  LSD %.4g  MCD %.4g dB, %d paired, %d skipped", r.fad, r.lsd, r.mcd, r.paired, r.skipped))
assert(math.abs(r.fad - fad) <= 1e-6 * math.max(1, fad) and math.abs(r.lsd - lsd) <= 1e-9 and r.paired == count)
