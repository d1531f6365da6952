-- train_tiny.lua: train a tiny VAE for a few steps on clips the model itself generates.
-- Shows: building a dataset (generate -> files + captions -> foley.train.preprocess), a trainer
-- from a Lua table tweaking a YAML config, :step(), :run{on_step=, on_checkpoint=}, :export.
--   foley run examples/train_tiny.lua [model folder]
-- Writes train_tiny/ (audio, text, data, runs/tiny-vae with checkpoints) and train_tiny/vae/.
local pipe = foley.models.load(arg[1] or os.getenv("FOLEY_MODEL"))
local tiny = pipe.mel_bins < 16
local root = "train_tiny"
os.execute("mkdir -p " .. root .. "/audio " .. root .. "/text")

local captions = {"a dog barks", "rain falls", "a bell rings", "wind blows", "a car passes", "birds sing"}
for i, c in ipairs(captions) do
  local a = pipe:generate{prompt = c, steps = tiny and 2 or 10, seconds = 0.4, seed = i}
  a:resample(16000):save(string.format("%s/audio/clip%d.wav", root, i))
  local f = assert(io.open(string.format("%s/text/clip%d.txt", root, i), "w"))
  f:write(c, "\n")
  f:close()
end
print(foley.train.preprocess{audio_dir = root .. "/audio", text_dir = root .. "/text", output = root .. "/data",
                             seconds = 0.4, min_seconds = 0.1, valid_fraction = 0}.summary)

-- The tiny VAE of configs/tiny-vae.yaml, as a Lua table.
local trainer = foley.train.vae({
  name = "tiny-vae",
  model = {type = "AutoencoderKL", in_channels = 1, out_channels = 1, latent_channels = 4,
           block_out_channels = {8, 16}, layers_per_block = 1, norm_num_groups = 4},
  data = {dataset = root .. "/data", batch_size = 2, segment_frames = 16},
  train = {seed = 0, max_steps = 6, learning_rate = 5e-3, log_every = 2, checkpoint_every = 4,
           scaling_factor_batches = 1},
}, {runs = root .. "/runs"})

print("first step loss", trainer:step())
trainer:run{on_step = function(step, loss) print(string.format("step %d loss %.4f", step, loss)) end,
            on_checkpoint = function(path) print("checkpoint", path) end}
print(trainer)
trainer:export(root .. "/vae")
foley.plot.line(foley.tensor(trainer.losses), root .. "/losses.png")
