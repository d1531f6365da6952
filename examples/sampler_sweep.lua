-- sampler_sweep.lua: the same prompt and seed through every sampler, one spectrogram PNG each.
-- Shows: foley.samplers.names(), Pipeline:generate{sampler=}, Audio:spectrogram.
--   foley run examples/sampler_sweep.lua [model folder]   (default: $FOLEY_MODEL or the shipped model)
-- Writes sampler_sweep-<sampler>.png and .wav in the current folder.
local pipe = foley.models.load(arg[1] or os.getenv("FOLEY_MODEL"))
local tiny = pipe.mel_bins < 16               -- the test fixture: keep it to a moment
local steps, seconds = tiny and 4 or 25, tiny and 0.05 or 4

local firsts = {}
for _, name in ipairs(foley.samplers.names()) do
  local t0 = foley.clock()
  local audio = pipe:generate{prompt = "rain on a tin roof", sampler = name, steps = steps,
                              seconds = seconds, seed = 7}
  audio:save("sampler_sweep-" .. name .. ".wav")
  audio:spectrogram("sampler_sweep-" .. name .. ".png")
  print(string.format("%-16s %6.2f s  peak %.3f", name, foley.clock() - t0, audio:peak()))
  assert(audio:duration() == seconds, name .. ": the length asked for")
  assert(audio:peak() == audio:peak(), name .. ": finite samples")
  firsts[name] = audio:tensor()
end
-- Same seed, different paths from noise: the deterministic samplers must not all give the same sound.
assert((firsts.ddim - firsts.euler):abs():max() > 0, "ddim and euler take different paths")
