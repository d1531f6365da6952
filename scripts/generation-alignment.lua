-- generation-alignment.lua MODEL CAPTIONS.txt [STEPS]: generates one 4-s clip per caption (seed 0 + i) and reports the mean
-- audio-text cosine to its own caption and how often its own caption ranks first among all of them.
-- Used for the default model's card: foley run scripts/generation-alignment.lua models/default valid24.txt 25
-- (valid24.txt: the first 24 valid-split captions of data/mine/manifest.jsonl, one per line).
local p = foley.models.load(arg[1])
local caps = {}
for l in io.lines(arg[2]) do if #l > 0 then caps[#caps + 1] = l end end
local steps = tonumber(arg[3] or 25)
local clips = {}
for i, c in ipairs(caps) do clips[i] = p:generate{prompt = c, steps = steps, guidance = 3, seed = i, seconds = 4} end
local own, top1 = 0, 0
for i, a in ipairs(clips) do
  local copies = {}
  for j = 1, #caps do copies[j] = a end
  local s = p:score(copies, caps)
  local best = 1
  for j = 2, #s do if s[j] > s[best] then best = j end end
  own = own + s[i]
  if best == i then top1 = top1 + 1 end
end
print(string.format("%s: mean own-caption cosine %.3f, own caption first %d/%d", arg[1], own / #caps, top1, #caps))
