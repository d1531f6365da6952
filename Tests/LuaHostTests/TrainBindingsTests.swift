import Foundation
import LuaHost
import XCTest

final class TrainBindingsTests: XCTestCase {
    let h = LuaHarness()

    /// Lua that writes `clips` generated clips with captions under dir and preprocesses them into dir/data (`r`).
    static func dataset(_ dir: String, clips: Int) -> String {
        """
        local p = foley.models.load('\(tinyModel)')
        os.execute('mkdir -p \(dir)/audio \(dir)/text')
        for i = 1, \(clips) do
          p:generate{prompt = 'clip ' .. i, steps = 2, seconds = 0.3, seed = i}:save('\(dir)/audio/c' .. i .. '.wav')
          local f = io.open('\(dir)/text/c' .. i .. '.txt', 'w'); f:write('clip ', i); f:close()
        end
        local r = foley.train.preprocess{audio_dir = '\(dir)/audio', text_dir = '\(dir)/text', output = '\(dir)/data',
                                         seconds = 0.3, min_seconds = 0.1, valid_fraction = 0}

        """
    }

    /// A tiny dataset from generated clips, then a tiny VAE trained by :step() and :run{}.
    func testTinyVAE() throws {
        let dir = try temporaryDirectory(self).path
        let out = h.values(Self.dataset(dir, clips: 4) + """
            local t = foley.train.vae({name = 'v', model = {type = 'AutoencoderKL', in_channels = 1, out_channels = 1,
                latent_channels = 4, block_out_channels = {8, 16}, layers_per_block = 1, norm_num_groups = 4},
                data = {dataset = '\(dir)/data', batch_size = 2, segment_frames = 16},
                train = {max_steps = 4, checkpoint_every = 2, log_every = 1, scaling_factor_batches = 1}}, {runs = '\(dir)/runs'})
            local first = t:step()
            local seen, ckpts = {}, 0
            t:run{steps = 1, on_step = function(s, l) seen[#seen + 1] = s end, on_checkpoint = function() ckpts = ckpts + 1 end}
            t:run{}
            t:save('\(dir)/c.safetensors'); t:export('\(dir)/vae')
            return r.written, first > 0, table.concat(seen, ','), ckpts, t.steps_done, t.finished, #t.losses, tostring(t)
            """)
        XCTAssertEqual(out, ["4", "true", "2", "1", "4", "true", "4", "Trainer(vae v, step 4 of 4)"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/c.safetensors"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/vae/config.json"))
    }

    /// on_step sees every step from inside one run, so checkpoints stay train.checkpoint_every's (they were one per
    /// step); returning false stops there with a checkpoint; a typo in the trainer options is an error.
    func testOnStepWatchesWithoutChangingCheckpoints() throws {
        let dir = try temporaryDirectory(self).path
        let out = h.values(Self.dataset(dir, clips: 2) + """
            local function trainer(name)
              return foley.train.vae({name = name, model = {type = 'AutoencoderKL', in_channels = 1, out_channels = 1,
                latent_channels = 4, block_out_channels = {8}, layers_per_block = 1, norm_num_groups = 4},
                data = {dataset = '\(dir)/data', batch_size = 2, segment_frames = 16},
                train = {max_steps = 6, checkpoint_every = 3, log_every = 1, scaling_factor_batches = 1}}, {runs = '\(dir)/runs', progress = false})
            end
            local t, seen, ckpts = trainer('all'), {}, 0
            t:run{on_step = function(s, l) seen[#seen + 1] = s end, on_checkpoint = function() ckpts = ckpts + 1 end}
            local u, stops = trainer('stop'), 0
            u:run{on_step = function(s) return s < 2 end, on_checkpoint = function() stops = stops + 1 end}
            return table.concat(seen, ','), ckpts, t.steps_done, u.steps_done, stops, u.finished
            """)
        XCTAssertEqual(out, ["1,2,3,4,5,6", "2", "6", "2", "1", "false"])
        h.assertError("foley.train.vae('\(repoRoot.path)/configs/tiny-vae.yaml', {prgress = false})", "prgress: unknown trainer option; did you mean 'progress'?")
    }

    /// The Stable Audio family from Lua: an Oobleck through foley.train.vae, a DiT over its latents through
    /// foley.train.ldm, the exported StableAudioPipeline folder loaded and generating at the dataset's rate.
    func testStableAudioFamily() throws {
        let dir = try temporaryDirectory(self).path
        let out = h.values(Self.dataset(dir, clips: 4) + """
            local o = foley.train.vae({name = 'o', model = {type = 'AutoencoderOobleck', encoder_hidden_size = 8,
                downsampling_ratios = {2, 4}, channel_multiples = {1, 2}, decoder_channels = 8, decoder_input_channels = 4},
                data = {dataset = '\(dir)/data', batch_size = 2, segment_frames = 8},
                train = {max_steps = 3, checkpoint_every = 3, log_every = 1, stft_resolutions = {64, 32}}}, {runs = '\(dir)/runs', progress = false})
            o:run{}
            local d = foley.train.ldm({name = 'd', model = {type = 'StableAudioDiTModel', pretrained_vae = '\(dir)/runs/o',
                num_layers = 1, attention_head_dim = 8, num_attention_heads = 2, num_key_value_attention_heads = 1,
                cross_attention_dim = 16, time_proj_dim = 16, conditioning_dim = 16},
                text_encoder = {type = 'minilm', max_length = 8},
                data = {dataset = '\(dir)/data', batch_size = 2, segment_frames = 8},
                train = {max_steps = 3, checkpoint_every = 3, log_every = 1},
                diffusion = {prediction_type = 'rectified_flow'}, inference = {sampler = 'flow_euler'}}, {runs = '\(dir)/runs', progress = false})
            d:run{}
            d:export('\(dir)/model')
            local a = foley.models.load('\(dir)/model'):generate{prompt = 'clip 1', steps = 2, seconds = 0.25}
            local ok, err = pcall(foley.train.ldm, {name = 'x', model = {type = 'AutoencoderOobleck'}, data = {dataset = 'x'}, train = {max_steps = 1}})
            return o.stage, o.steps_done, d.stage, d.steps_done, #d.losses, a.rate, a.channels, a.num_frames, ok, err:find('diffusion model', 1, true) ~= nil
            """)
        XCTAssertEqual(out, ["oobleck", "3", "dit", "3", "3", "16000", "1", "4000", "false", "true"])
    }

    func testConfigErrors() {
        h.assertError("foley.train.vae(3)", "bad argument #1 to 'foley.train.vae' (config path or table expected, got number)")
        h.assertError("foley.train.vae{model = {type = 'AutoencoderKL'}, data = {dataset = 'x'}, train = {max_steps = 'lots'}}", "max_steps")
        h.assertError("foley.train.vae('/no/such.yaml')", "/no/such.yaml")
        h.assertError("foley.train.preprocess{text_dir = 'x', output = 'y', second = 3}", "second: unknown preprocess option; did you mean 'seconds'?")
    }
}
