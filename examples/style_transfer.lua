-- style_transfer.lua: audio-to-audio. A source clip re-generated under a new prompt at several
-- strengths (0 keeps the source, 1 ignores it), then the first half kept while the rest is redone.
-- Shows: generate{from=, strength=}, generate{from=, keep={a, b}}, Audio:resample.
--   foley run examples/style_transfer.lua [model folder]
-- Writes style_transfer-source.wav, style_transfer-<strength>.wav/.png, style_transfer-keep.wav.
local pipe = foley.models.load(arg[1] or os.getenv("FOLEY_MODEL"))
local tiny = pipe.mel_bins < 16
local steps, seconds = tiny and 4 or 30, tiny and 0.05 or 4

-- A source: a sine sweep built from tensor math (any loaded file works too: foley.audio.load(path)).
local rate = 22050
local t = foley.tensor.arange(math.floor(seconds * rate)) / rate
local source = foley.audio.from_tensor((t * t * 2000 * math.pi + t * 600 * math.pi):sin() * 0.3, rate)
source = source:resample(pipe.sample_rate)
source:save("style_transfer-source.wav")

local distances = {}
for _, s in ipairs{0.25, 0.5, 0.75, 1.0} do
  local out = pipe:generate{prompt = "a church bell", from = source, strength = s, steps = steps,
                            seconds = seconds, seed = 5}
  out:save(string.format("style_transfer-%g.wav", s))
  out:spectrogram(string.format("style_transfer-%g.png", s))
  distances[s] = (pipe:mel(out) - pipe:mel(source)):abs():mean()
  print(string.format("strength %-4g distance to source %.4f", s, distances[s]))
end
-- Strength is how much of the source is redone: a little keeps the output near it, all of it moves away.
assert(distances[0.25] < distances[1.0], "low strength stays closer to the source than strength 1")
local kept = pipe:generate{prompt = "a church bell", from = source, keep = {0, seconds / 2},
                           steps = steps, seconds = seconds, seed = 5}
kept:save("style_transfer-keep.wav")
assert(kept:duration() == seconds, "inpainting keeps the length")
