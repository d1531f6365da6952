-- custom_sampler_loop.lua: a sampler written in Lua against the UNet, checked against the pipeline.
-- Shows: Pipeline:encode, Pipeline:unet, Pipeline:latent_shape, Pipeline:decode, a Sampler's
-- timesteps, sigmas, alphas_cumprod and prediction_type, and each update written as plain tensor math.
-- A beta-schedule model gets DDIM (eta = 0):
--   x0 = (x - sqrt(1 - a_t) eps) / sqrt(a_t);  x <- sqrt(a_prev) x0 + sqrt(1 - a_prev) eps
-- where the UNet predicts what it was trained to: the noise eps ("epsilon"), v = sqrt(a_t) eps - sqrt(1 - a_t) x0
-- ("v_prediction") or x0 itself ("sample"); the loop turns each into x0 and eps first.
-- A flow model ("flow_prediction", the shipped model) predicts the velocity v = noise - x0 along
-- x_sigma = (1 - sigma) x0 + sigma noise, and gets Euler steps:  x <- x + (sigma_next - sigma) v
--   foley run examples/custom_sampler_loop.lua [model folder]
-- Writes custom_sampler_loop.wav/.png; fails unless it matches generate{sampler="ddim"} (or "flow_euler").
local pipe = foley.models.load(arg[1] or os.getenv("FOLEY_MODEL"))
local tiny = pipe.mel_bins < 16
local steps, seconds, seed = tiny and 5 or 25, tiny and 0.05 or 4, 42
local prompt = "footsteps on gravel"

local flow = pipe:sampler().prediction_type == "flow_prediction"
local name = flow and "flow_euler" or "ddim"
local sampler = pipe:sampler(name)
sampler:set_timesteps(steps)
local ts, acp, sigmas = sampler:timesteps(), sampler:alphas_cumprod(), sampler:sigmas()
local final_alpha = acp[1]                     -- set_alpha_to_one = false (AudioLDM) uses alphas_cumprod[0]
if sampler:config().set_alpha_to_one ~= false then final_alpha = 1 end
local cond = pipe:encode(prompt)
-- generate's noise for seed s is randn(shape, s) for a batch of one.
local x = foley.tensor.randn(pipe:latent_shape(seconds), seed) * sampler.init_noise_sigma

-- The UNet's output at x as (x0, eps), whatever it predicts.
local function clean_and_noise(out, a_t)
  local kind = sampler.prediction_type
  if kind == "epsilon" then
    return (x - out * math.sqrt(1 - a_t)) / math.sqrt(a_t), out
  elseif kind == "v_prediction" then
    return x * math.sqrt(a_t) - out * math.sqrt(1 - a_t), x * math.sqrt(1 - a_t) + out * math.sqrt(a_t)
  elseif kind == "sample" then
    return out, (x - out * math.sqrt(a_t)) / math.sqrt(1 - a_t)
  end
  error("unknown prediction_type " .. tostring(kind))
end

for i, t in ipairs(ts) do
  local out = pipe:unet(sampler:scale(x, t), t, cond)
  if flow then
    x = x + out * (sigmas[i + 1] - sigmas[i])    -- sigmas ends with 0: the last step lands on x0
  else
    local a_t = acp[t + 1]
    local a_prev = ts[i + 1] and acp[ts[i + 1] + 1] or final_alpha
    local x0, eps = clean_and_noise(out, a_t)
    x = x0 * math.sqrt(a_prev) + eps * math.sqrt(1 - a_prev)
  end
end

-- The same run through the pipeline (guidance 1: no unconditional branch), its final latents kept.
local reference
pipe:generate{prompt = prompt, sampler = name, steps = steps, seconds = seconds, seed = seed,
              guidance = 1, on_step = function(step, t, latents) reference = latents end}
local diff, scale = (x - reference):abs():max(), reference:abs():max()
print(string.format("prediction %s: max |lua - pipeline| = %.3g (latents up to %.3g)", sampler.prediction_type, diff, scale))
assert(diff <= 1e-4 * math.max(scale, 1), "the Lua loop does not match the pipeline")

local audio = pipe:decode(x, seconds)
audio:save("custom_sampler_loop.wav")
audio:spectrogram("custom_sampler_loop.png")
