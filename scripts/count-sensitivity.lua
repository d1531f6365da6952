-- count-sensitivity.lua MODEL CORPUS [PER_RHYTHM]: does the UNet read the count word? For three-beep clips without
-- effects from a `foley corpus` folder (PER_RHYTHM each of fast, regular and slow; default 4), it noises the clip's
-- latents at t = 900, 700 and 500 (three noise draws each) and compares the clean-latent error of the UNet's
-- prediction under the clip's own caption, the caption with "three" changed to "six", and the empty prompt.
-- "six/own - 1" near zero means the count word does not change the prediction; "empty/own - 1" is what the whole
-- caption is worth. Assumes the default model's schedule (scaled_linear 0.0015-0.0195, 1000 steps, v prediction).
--   foley run scripts/count-sensitivity.lua models/default build/beeps-tones-corpus
local p = foley.models.load(arg[1])
local corpus = assert(arg[2], "usage: count-sensitivity.lua MODEL CORPUS [PER_RHYTHM]")
local per = tonumber(arg[3] or 4)
local abar, acc = {}, 1
local b0, b1 = math.sqrt(0.0015), math.sqrt(0.0195)
for i = 0, 999 do acc = acc * (1 - (b0 + (b1 - b0) * i / 999) ^ 2); abar[i] = acc end

local rows, taken = {}, {fast = 0, regular = 0, slow = 0}
for line in io.lines(corpus .. "/manifest.jsonl") do
  local rhythm = line:match('"rhythm":"(%a+)"')
  if line:find('"family":"beeps"', 1, true) and line:find('"count":"3"', 1, true)
      and line:find('"effects":"none"', 1, true) and taken[rhythm] and taken[rhythm] < per then
    local caption = line:match('"caption":"([^"]*)"')
    local six = caption:gsub("three", "six"):gsub("3 ", "6 ")
    if six ~= caption then
      taken[rhythm] = taken[rhythm] + 1
      rows[#rows + 1] = {corpus .. "/" .. line:match('"audio":"([^"]*)"'), caption, six}
    end
  end
end
assert(#rows > 0, corpus .. "/manifest.jsonl: no three-beep clips without effects")
for _, t in ipairs({900, 700, 500}) do
  local sa, sb = math.sqrt(abar[t]), math.sqrt(1 - abar[t])
  local err = {0, 0, 0}
  for _, r in ipairs(rows) do
    local z = p:vae_encode(p:mel(foley.audio.load(r[1])))
    local conds = {p:encode({r[2]}), p:encode({r[3]}), p:encode({""})}
    for k = 1, 3 do
      local xt = z * sa + foley.tensor.randn(z:size(), 1000 * k + t) * sb
      for i, c in ipairs(conds) do
        local d = xt * sa - p:unet(xt, t, c) * sb - z
        err[i] = err[i] + (d * d):mean()
      end
    end
  end
  local n = #rows * 3
  print(string.format("t=%d  clean-latent MSE: own %.4f  six %.4f  empty %.4f   six/own - 1 %+.3f   empty/own - 1 %+.3f",
                      t, err[1] / n, err[2] / n, err[3] / n, err[2] / err[1] - 1, err[3] / err[1] - 1))
end
