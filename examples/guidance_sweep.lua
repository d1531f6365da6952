-- guidance_sweep.lua: one prompt and seed at several classifier-free guidance scales.
-- Shows: how `guidance` trades variety for prompt adherence; Audio:loudness; plot.line of peaks.
--   foley run examples/guidance_sweep.lua [model folder]
-- Writes guidance_sweep-<scale>.wav/.png and guidance_sweep-peaks.png in the current folder.
local pipe = foley.models.load(arg[1] or os.getenv("FOLEY_MODEL"))
local tiny = pipe.mel_bins < 16
local steps, seconds = tiny and 3 or 25, tiny and 0.05 or 4

local peaks = {}
for _, g in ipairs{1, 2.5, 4, 7} do
  local audio = pipe:generate{prompt = "a dog barking in the distance", guidance = g, steps = steps,
                              seconds = seconds, seed = 3}
  audio:save(string.format("guidance_sweep-%g.wav", g))
  audio:spectrogram(string.format("guidance_sweep-%g.png", g))
  peaks[#peaks + 1] = audio:peak()
  print(string.format("guidance %-4g peak %.3f", g, audio:peak()))
end
foley.plot.line(foley.tensor(peaks), "guidance_sweep-peaks.png")
for i, peak in ipairs(peaks) do assert(peak == peak and peak <= 1, "guidance sweep: finite, unclipped peaks") end
assert(peaks[1] ~= peaks[4], "guidance changes the sound")
