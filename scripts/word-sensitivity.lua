-- word-sensitivity.lua MODEL CORPUS [count|pitch] [PER_RHYTHM]: does the UNet read the count word, or the pitch word?
-- From a `foley corpus` folder it takes beep clips without effects, PER_RHYTHM (default 4) each of fast, regular and
-- slow: for "count", three-beep clips, whose captions get "three" changed to "six"; for "pitch", clips whose caption
-- names the high register (2 kHz in recipes 3 and 4), changed to the low one ("high" -> "low", "shrill" -> "deep").
-- It noises each clip's latents at t = 900, 700 and 500 (three noise draws each) and compares the clean-latent error
-- of the UNet's prediction under the clip's own caption, the changed caption and the empty prompt.
-- "changed/own - 1" near zero means the word does not change the prediction; "empty/own - 1" is what the whole
-- caption is worth. Assumes a v-predicting model (as the default is); the noise schedule is the model's own.
--   foley run scripts/word-sensitivity.lua models/default build/beeps-tones-corpus count
--   foley run scripts/word-sensitivity.lua models/default build/exact4-corpus pitch
local usage = "usage: word-sensitivity.lua MODEL CORPUS [count|pitch] [PER_RHYTHM]"
local p = foley.models.load(assert(arg[1], usage))
local corpus = assert(arg[2], usage)
local word = arg[3] or "count"
assert(word == "count" or word == "pitch", "word-sensitivity.lua: the third argument must be count or pitch, got " .. word)
local per = tonumber(arg[4] or 4)
local abar = p:sampler():alphas_cumprod()  -- abar[t + 1] for timestep t

-- Whether a manifest row is a clip to test, and its caption with the word changed.
local changeWord = {
  count = function(line, caption)
    if not line:find('"count":"3"', 1, true) then return nil end
    return (caption:gsub("three", "six"):gsub("3 ", "6 "))
  end,
  pitch = function(line, caption)
    if not (line:find('"pitch_stated":"register"', 1, true) and line:find('"register":"high"', 1, true)) then return nil end
    -- "at high volume" is a loudness, not a pitch; changing it would change two things at once.
    if caption:find("high volume", 1, true) then return nil end
    return (caption:gsub("high", "low"):gsub("shrill", "deep"))
  end,
}
local rows, taken = {}, {fast = 0, regular = 0, slow = 0}
for line in io.lines(corpus .. "/manifest.jsonl") do
  local rhythm = line:match('"rhythm":"(%a+)"')
  if line:find('"family":"beeps"', 1, true) and line:find('"effects":"none"', 1, true) and taken[rhythm] and taken[rhythm] < per then
    local caption = line:match('"caption":"([^"]*)"')
    local changed = changeWord[word](line, caption)
    if changed and changed ~= caption then
      taken[rhythm] = taken[rhythm] + 1
      rows[#rows + 1] = {corpus .. "/" .. line:match('"audio":"([^"]*)"'), caption, changed}
    end
  end
end
assert(#rows > 0, corpus .. "/manifest.jsonl: no beep clips without effects for the " .. word .. " word")
-- Each clip's latents and its three conditionings, once for all timesteps.
for _, r in ipairs(rows) do
  r.z = p:vae_encode(p:mel(foley.audio.load(r[1])))
  r.conds = {p:encode({r[2]}), p:encode({r[3]}), p:encode({""})}
end
for _, t in ipairs({900, 700, 500}) do
  local sa, sb = math.sqrt(abar[t + 1]), math.sqrt(1 - abar[t + 1])
  local err = {0, 0, 0}
  for _, r in ipairs(rows) do
    local z, conds = r.z, r.conds
    for k = 1, 3 do
      local xt = z * sa + foley.tensor.randn(z:size(), 1000 * k + t) * sb
      for i, c in ipairs(conds) do
        local d = xt * sa - p:unet(xt, t, c) * sb - z
        err[i] = err[i] + (d * d):mean()
      end
    end
  end
  local n = #rows * 3
  print(string.format("t=%d  %s word, %d clips, clean-latent MSE: own %.4f  changed %.4f  empty %.4f   changed/own - 1 %+.3f   empty/own - 1 %+.3f",
                      t, word, #rows, err[1] / n, err[2] / n, err[3] / n, err[2] / err[1] - 1, err[3] / err[1] - 1))
end
