-- negative_prompt.lua: the same prompt and seed with and without a negative prompt.
-- Shows: `negative=` replacing the unconditional branch; comparing two clips' log-mels.
--   foley run examples/negative_prompt.lua [model folder]
-- Writes negative_prompt-plain.wav/.png and negative_prompt-negative.wav/.png.
local pipe = foley.models.load(arg[1] or os.getenv("FOLEY_MODEL"))
local tiny = pipe.mel_bins < 16
local opts = {prompt = "birds singing in a forest", guidance = 3, seed = 11,
              steps = tiny and 3 or 25, seconds = tiny and 0.05 or 4}

local plain = pipe:generate(opts)
opts.negative = "wind noise, low quality"
local negative = pipe:generate(opts)
for name, a in pairs{plain = plain, negative = negative} do
  a:save("negative_prompt-" .. name .. ".wav")
  a:spectrogram("negative_prompt-" .. name .. ".png")
end
local d = (pipe:mel(plain) - pipe:mel(negative)):abs():mean()
print(string.format("mean log-mel difference: %.4f", d))
-- The negative prompt replaces the unconditional branch, so the sound must change; the lengths must not.
assert((plain:tensor() - negative:tensor()):abs():max() > 0, "a negative prompt changes the sound")
assert(plain:duration() == opts.seconds and negative:duration() == opts.seconds, "both are the length asked for")
