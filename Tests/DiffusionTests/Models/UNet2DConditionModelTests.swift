import Diffusion
import Foundation
import NN
import Tensors
import XCTest

final class UNet2DConditionModelTests: XCTestCase {
    func fixtureModel(_ name: String) throws -> UNet2DConditionModel {
        let unet = try UNet2DConditionModel(config: Fixture.config(UNet2DConditionConfig.self, name))
        try unet.load(safetensors: Fixture.url(name, "weights.safetensors").path)
        return unet
    }

    func testAudioLDMConfigQuirks() throws {
        let unet = try fixtureModel("unet_audioldm")
        let c = unet.config
        XCTAssertEqual(c.crossAttentionDim, .list([8, 16]))
        XCTAssertEqual(c.attentionHeadDim, .int(8))  // absent: diffusers' default, read as the head count
        XCTAssertNil(c.numAttentionHeads)
        let attn = try XCTUnwrap((unet.downBlocks[1] as? CrossAttnDownBlock2D)?.attentions[0].transformerBlocks[0].attn1)
        XCTAssertEqual(attn.heads, 8)
        XCTAssertEqual(attn.dimHead, 2)
        XCTAssertFalse(unet.requiresEncoderHiddenStates)
        // class_embeddings_concat doubles the resnets' time-embedding width.
        XCTAssertEqual(unet.stateDict()["down_blocks.0.resnets.0.time_emb_proj.weight"]?.shape, [8, 64])
    }

    func testAudioLDMOutputMatchesReference() throws {
        let unet = try fixtureModel("unet_audioldm")
        let cases = try Fixture.cases("unet_audioldm")
        let out = try GradMode.noGrad {
            try unet(cases.tensor("sample"), timesteps: cases.tensor("timestep").scalars, classLabels: cases.tensor("class_labels"))
        }
        Parity.check(out, try cases.tensor("output"), "unet_audioldm output")
    }

    func testCrossAttentionOutputMatchesReference() throws {
        let unet = try fixtureModel("unet_crossattn")
        XCTAssertTrue(unet.requiresEncoderHiddenStates == false)  // cross_attention_dim 16 equals the attended width
        let cases = try Fixture.cases("unet_crossattn")
        let out = try GradMode.noGrad {
            try unet(cases.tensor("sample"), timesteps: cases.tensor("timestep").scalars,
                     encoderHiddenStates: cases.tensor("encoder_hidden_states"))
        }
        Parity.check(out, try cases.tensor("output"), "unet_crossattn output")
    }

    func testPipelineFolderLoadsStrictly() throws {
        let folder = Fixture.url("audioldm_pipeline", "model", "unet")
        let unet = try UNet2DConditionModel.load(folder: folder)
        XCTAssertEqual(unet.config.classEmbedType, "simple_projection")
        XCTAssertTrue(unet.config.classEmbeddingsConcat)
        let file = try SafeTensorsFile(path: folder.appendingPathComponent("diffusion_pytorch_model.safetensors").path)
        XCTAssertEqual(Set(unet.stateDict().keys), Set(file.keys))
        for key in ["class_embedding.weight", "up_blocks.0.attentions.0.transformer_blocks.0.ff.net.0.proj.weight", "conv_out.bias"] {
            XCTAssertEqual(unet.stateDict()[key]!.scalars, try file.tensor(key).scalars, key)
        }
    }

    func testAutogradForwardMatchesNoGradAndEveryParameterGetsAGradient() throws {
        for name in ["unet_audioldm", "unet_crossattn"] {
            let unet = try fixtureModel(name)
            let cases = try Fixture.cases(name)
            let sample = try cases.tensor("sample"), t = try cases.tensor("timestep").scalars
            let labels = name == "unet_audioldm" ? try cases.tensor("class_labels") : nil
            let states = name == "unet_crossattn" ? try cases.tensor("encoder_hidden_states") : nil
            let reference = try GradMode.noGrad { try unet(sample, timesteps: t, encoderHiddenStates: states, classLabels: labels) }
            let out = try GradMode.enableGrad { try unet(sample, timesteps: t, encoderHiddenStates: states, classLabels: labels) }
            XCTAssertTrue(out.requiresGrad, name)
            XCTAssertLessThanOrEqual(Parity.relative(out, reference), 1e-5, name)
            Parity.check(out, try cases.tensor("output"), "\(name) output (autograd on)")
            let loss = try GradMode.enableGrad { try (out * GradCheck.weights(like: out)).sum() }
            try loss.backward()
            XCTAssertEqual(GradCheck.parametersWithoutGradient(unet), [], name)
            XCTAssertGreaterThan(unet.namedParameters().count, 200, name)
        }
    }

    func testScalarTimestepBroadcastsOverTheBatch() throws {
        let unet = try fixtureModel("unet_crossattn")
        let cases = try Fixture.cases("unet_crossattn")
        let sample = try cases.tensor("sample"), states = try cases.tensor("encoder_hidden_states")
        let (a, b) = try GradMode.noGrad {
            (try unet(sample, timestep: 500, encoderHiddenStates: states),
             try unet(sample, timesteps: [500, 500], encoderHiddenStates: states))
        }
        XCTAssertEqual(a.scalars, b.scalars)
        XCTAssertThrowsError(try unet(sample, timesteps: [1, 2, 3], encoderHiddenStates: states)) { e in
            XCTAssertTrue("\(e)".contains("timesteps"), "\(e)")
        }
    }

    func testEncoderAttentionMaskDropsTokens() throws {
        let unet = try fixtureModel("unet_crossattn")
        let cases = try Fixture.cases("unet_crossattn")
        let sample = try cases.tensor("sample"), states = try cases.tensor("encoder_hidden_states")
        try GradMode.noGrad {
            let full = try unet(sample, timestep: 10, encoderHiddenStates: states)
            let ones = try unet(sample, timestep: 10, encoderHiddenStates: states, encoderAttentionMask: Tensor.ones([2, 7]))
            XCTAssertLessThanOrEqual(Parity.relative(ones, full), 1e-6)
            // Masking the last two tokens is (to exp(-10000) precision) the same as not giving them.
            let mask = Tensor(shape: [2, 7], data: [1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0])
            let masked = try unet(sample, timestep: 10, encoderHiddenStates: states, encoderAttentionMask: mask)
            let short = try unet(sample, timestep: 10, encoderHiddenStates: states.slice(axis: 1, start: 0, end: 5))
            XCTAssertLessThanOrEqual(Parity.relative(masked, short), 1e-5)
            XCTAssertGreaterThan(Parity.relative(masked, full), 1e-4)
        }
    }

    func testOddLatentSizesUpsampleToTheSkipSize() throws {
        let unet = try fixtureModel("unet_crossattn")
        let sample = Tensor.randn([1, 4, 15, 7], generator: RandomGenerator(seed: 2))
        let states = Tensor.randn([1, 3, 16], generator: RandomGenerator(seed: 3))
        let out = try GradMode.noGrad { try unet(sample, timestep: 3, encoderHiddenStates: states) }
        XCTAssertEqual(out.shape, [1, 4, 15, 7])
        XCTAssertTrue(out.scalars.allSatisfy(\.isFinite))
    }

    func testMissingConditioningIsAnError() throws {
        let audioldm = try fixtureModel("unet_audioldm")
        let sample = Tensor.zeros([1, 4, 8, 8])
        XCTAssertThrowsError(try audioldm(sample, timestep: 1)) { e in
            XCTAssertTrue("\(e)".contains("class_labels"), "\(e)")
        }
        var c = try Fixture.config(UNet2DConditionConfig.self, "unet_crossattn")
        c.crossAttentionDim = .int(12)
        let narrow = try UNet2DConditionModel(config: c)
        XCTAssertTrue(narrow.requiresEncoderHiddenStates)
        XCTAssertThrowsError(try narrow(sample, timestep: 1)) { e in
            XCTAssertTrue("\(e)".contains("encoder_hidden_states"), "\(e)")
        }
        XCTAssertEqual(narrow.stateDict()["mid_block.attentions.0.transformer_blocks.0.attn2.to_k.weight"]?.shape, [16, 12])
    }

    func testUnsupportedConfigNamesTheKey() throws {
        var c = try Fixture.config(UNet2DConditionConfig.self, "unet_crossattn")
        c.downBlockTypes[0] = "AttnDownBlock2D"
        XCTAssertThrowsError(try UNet2DConditionModel(config: c)) { e in
            XCTAssertTrue("\(e)".contains("down_block_types[0]"), "\(e)")
        }
        c = try Fixture.config(UNet2DConditionConfig.self, "unet_crossattn")
        c.additionEmbedType = "text_time"
        XCTAssertThrowsError(try UNet2DConditionModel(config: c)) { e in
            XCTAssertTrue("\(e)".contains("addition_embed_type"), "\(e)")
        }
        c = try Fixture.config(UNet2DConditionConfig.self, "unet_crossattn")
        c.layersPerBlock = .list([1, 1, 1])
        XCTAssertThrowsError(try UNet2DConditionModel(config: c)) { e in
            XCTAssertTrue("\(e)".contains("layers_per_block"), "\(e)")
        }
    }

    func testZeroAndNegativeSizesAreRefusedWithTheKeyValueAndRange() throws {
        // attention_head_dim 0 (heads by diffusers' quirk) used to divide by zero building the attention blocks.
        var c = try Fixture.config(UNet2DConditionConfig.self, "unet_crossattn")
        c.attentionHeadDim = .int(0)
        c.numAttentionHeads = nil
        XCTAssertThrowsError(try UNet2DConditionModel(config: c)) { e in
            XCTAssertEqual("\(e)", "attention_head_dim[0]: 0 is out of range (expected 1...\(c.blockOutChannels[0]))")
        }
        c = try Fixture.config(UNet2DConditionConfig.self, "unet_crossattn")
        c.normNumGroups = 0
        XCTAssertThrowsError(try UNet2DConditionModel(config: c)) { e in
            XCTAssertEqual("\(e)", "norm_num_groups: 0 is out of range (expected 1...65536)")
        }
        c = try Fixture.config(UNet2DConditionConfig.self, "unet_crossattn")
        c.blockOutChannels[1] = -16
        XCTAssertThrowsError(try UNet2DConditionModel(config: c)) { e in
            XCTAssertEqual("\(e)", "block_out_channels[1]: -16 is out of range (expected 1...65536)")
        }
        c = try Fixture.config(UNet2DConditionConfig.self, "unet_crossattn")
        c.convInKernel = 2
        XCTAssertThrowsError(try UNet2DConditionModel(config: c)) { e in
            XCTAssertEqual("\(e)", "conv_in_kernel: 2 is out of range (expected an odd kernel size in 1...15)")
        }
        c = try Fixture.config(UNet2DConditionConfig.self, "unet_crossattn")
        c.normEps = .nan
        XCTAssertThrowsError(try UNet2DConditionModel(config: c)) { e in
            XCTAssertTrue("\(e)".hasPrefix("norm_eps: nan is out of range"), "\(e)")
        }
    }

    func testLinearProjectionAndClassEmbeddingVariantsHaveDiffusersKeys() throws {
        var c = try Fixture.config(UNet2DConditionConfig.self, "unet_crossattn")
        c.useLinearProjection = true
        c.classEmbedType = "projection"
        c.projectionClassEmbeddingsInputDim = 5
        c.numAttentionHeads = .int(2)
        let unet = try UNet2DConditionModel(config: c)
        let sd = unet.stateDict()
        XCTAssertEqual(sd["down_blocks.1.attentions.0.proj_in.weight"]?.shape, [16, 16])
        XCTAssertEqual(sd["class_embedding.linear_1.weight"]?.shape, [32, 5])
        XCTAssertEqual((unet.downBlocks[1] as? CrossAttnDownBlock2D)?.attentions[0].transformerBlocks[0].attn1.heads, 2)
        let out = try GradMode.noGrad {
            try unet(Tensor.randn([2, 4, 8, 8], generator: RandomGenerator(seed: 1)), timesteps: [1, 900],
                     encoderHiddenStates: Tensor.randn([2, 3, 16], generator: RandomGenerator(seed: 2)),
                     classLabels: Tensor.randn([2, 5], generator: RandomGenerator(seed: 3)))
        }
        XCTAssertEqual(out.shape, [2, 4, 8, 8])
        XCTAssertTrue(out.scalars.allSatisfy(\.isFinite))
    }

    /// The crossattn fixture's UNet with Foley's time channel added to conv_in (`timeWeight` on every tap of it).
    func timeChannelModel(timeWeight: Float) throws -> UNet2DConditionModel {
        var c = try Fixture.config(UNet2DConditionConfig.self, "unet_crossattn")
        c.inChannels += 1
        c.timeChannelSecondsPerFrame = 0.04
        let unet = try UNet2DConditionModel(config: c)
        var w = try fixtureModel("unet_crossattn").stateDict()
        let old = w["conv_in.weight"]!
        w["conv_in.weight"] = try Tensor.concat([old, Tensor.full([old.shape[0], 1, old.shape[2], old.shape[3]], timeWeight)], axis: 1)
        try unet.load(stateDict: w)
        return unet
    }

    func testTimeChannelWithZeroWeightsMatchesTheReferenceUNet() throws {
        let unet = try timeChannelModel(timeWeight: 0)
        XCTAssertEqual(unet.config.sampleChannels, 4)
        XCTAssertEqual(unet.stateDict()["conv_in.weight"]?.shape[1], 5)
        let cases = try Fixture.cases("unet_crossattn")
        let sample = try cases.tensor("sample")
        let out = try GradMode.noGrad {
            try unet(sample, timesteps: cases.tensor("timestep").scalars, encoderHiddenStates: cases.tensor("encoder_hidden_states"))
        }
        Parity.check(out, try cases.tensor("output"), "unet_crossattn output through a zero time channel")
        // Latents of in_channels (time channel included) are the caller's mistake: the UNet appends it.
        let wide = Tensor.zeros([sample.shape[0], 5, sample.shape[2], sample.shape[3]])
        XCTAssertThrowsError(try unet(wide, timestep: 1, encoderHiddenStates: try cases.tensor("encoder_hidden_states"))) { e in
            XCTAssertTrue("\(e)".contains("expected [B, 4, H, W]"), "\(e)")
        }
    }

    func testTimeChannelHoldsEachFramesTimeAndChangesTheOutput() throws {
        let x = Tensor.zeros([2, 4, 5, 3])
        let t = UNet2DConditionModel.timeChannel(like: x, secondsPerFrame: 0.04)
        XCTAssertEqual(t.shape, [2, 1, 5, 3])
        let frameTimes: [Float] = [0, 0.04, 0.08, 0.12, 0.16]
        XCTAssertEqual(t.scalars, Array(repeating: frameTimes.flatMap { Array(repeating: $0, count: 3) }, count: 2).flatMap { $0 })
        // A nonzero time weight makes the same latents denoise differently; zero leaves them as before.
        let sample = Tensor.randn([1, 4, 8, 8], generator: RandomGenerator(seed: 4))
        let states = Tensor.randn([1, 3, 16], generator: RandomGenerator(seed: 5))
        let base = try GradMode.noGrad { try timeChannelModel(timeWeight: 0)(sample, timestep: 10, encoderHiddenStates: states) }
        let timed = try GradMode.noGrad { try timeChannelModel(timeWeight: 0.5)(sample, timestep: 10, encoderHiddenStates: states) }
        XCTAssertGreaterThan(Parity.relative(timed, base), 1e-3)
    }

    func testTimeChannelConfigRoundTripsAndIsChecked() throws {
        var c = try Fixture.config(UNet2DConditionConfig.self, "unet_crossattn")
        XCTAssertNil(c.timeChannelSecondsPerFrame)
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(c), as: UTF8.self).contains("time_channel"))
        c.inChannels = 5
        c.timeChannelSecondsPerFrame = 0.04
        let json = try JSONEncoder().encode(c)
        XCTAssertTrue(String(decoding: json, as: UTF8.self).contains("\"time_channel_seconds_per_frame\""))
        let back = try JSONDecoder().decode(UNet2DConditionConfig.self, from: json)
        XCTAssertEqual(back.timeChannelSecondsPerFrame, 0.04)
        XCTAssertEqual(back.sampleChannels, 4)
        c.timeChannelSecondsPerFrame = -1
        XCTAssertThrowsError(try UNet2DConditionModel(config: c)) { e in
            XCTAssertTrue("\(e)".contains("time_channel_seconds_per_frame"), "\(e)")
        }
    }
}
