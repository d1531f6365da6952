-- custom_sampler_loop.lua: DDIM written in Lua against the UNet, checked against the pipeline.
-- Shows: Pipeline:encode, Pipeline:unet, Pipeline:latent_shape, Pipeline:decode, a Sampler's
-- timesteps and alphas_cumprod, and one DDIM update written as plain tensor math (eta = 0):
--   x0 = (x - sqrt(1 - a_t) eps) / sqrt(a_t);  x <- sqrt(a_prev) x0 + sqrt(1 - a_prev) eps
--   foley run examples/custom_sampler_loop.lua [model folder]
-- Writes custom_sampler_loop.wav/.png; prints the largest difference to generate{sampler="ddim"}.
local pipe = foley.models.load(arg[1] or os.getenv("FOLEY_MODEL"))
local tiny = pipe.mel_bins < 16
local steps, seconds, seed = tiny and 5 or 25, tiny and 0.05 or 4, 42
local prompt = "footsteps on gravel"

local sampler = pipe:sampler("ddim")
sampler:set_timesteps(steps)
local ts, acp = sampler:timesteps(), sampler:alphas_cumprod()
local final_alpha = acp[1]                     -- set_alpha_to_one = false (AudioLDM) uses alphas_cumprod[0]
if sampler:config().set_alpha_to_one ~= false then final_alpha = 1 end
local cond = pipe:encode(prompt)
-- generate's noise for seed s is randn(shape, s) for a batch of one.
local x = foley.tensor.randn(pipe:latent_shape(seconds), seed) * sampler.init_noise_sigma

for i, t in ipairs(ts) do
  local eps = pipe:unet(sampler:scale(x, t), t, cond)
  local a_t = acp[t + 1]
  local a_prev = ts[i + 1] and acp[ts[i + 1] + 1] or final_alpha
  local x0 = (x - eps * math.sqrt(1 - a_t)) / math.sqrt(a_t)
  x = x0 * math.sqrt(a_prev) + eps * math.sqrt(1 - a_prev)
end

-- The same run through the pipeline (guidance 1: no unconditional branch), its final latents kept.
local reference
pipe:generate{prompt = prompt, sampler = "ddim", steps = steps, seconds = seconds, seed = seed,
              guidance = 1, on_step = function(step, t, latents) reference = latents end}
print(string.format("max |lua - pipeline| = %.3g", (x - reference):abs():max()))

local audio = pipe:decode(x, seconds)
audio:save("custom_sampler_loop.wav")
audio:spectrogram("custom_sampler_loop.png")
