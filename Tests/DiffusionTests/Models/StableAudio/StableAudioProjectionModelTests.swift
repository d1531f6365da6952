import Diffusion
import Foundation
import NN
import Tensors
import XCTest

/// StableAudioProjectionModel against a tiny random diffusers 0.42 module (Tests/Fixtures/stable_audio_projection).
final class StableAudioProjectionModelTests: XCTestCase {
    func fixtureModel() throws -> StableAudioProjectionModel {
        try StableAudioProjectionModel.load(folder: Fixture.url("stable_audio_projection", "projection_model"))
    }

    func testOutputsMatchReference() throws {
        let model = try fixtureModel()
        let cases = try Fixture.cases("stable_audio_projection")
        XCTAssertEqual(model.config, StableAudioProjectionConfig(textEncoderDim: 6, conditioningDim: 10, minValue: 0, maxValue: 8))
        let text = try GradMode.noGrad { try model.projectText(cases.tensor("text_hidden_states")) }
        Parity.check(text, try cases.tensor("text_projected"), "projection text")
        let start = try GradMode.noGrad { try model.secondsStart(cases.tensor("seconds_start")) }
        Parity.check(start, try cases.tensor("seconds_start_hidden_states"), "projection seconds_start")
        // 12 s is clamped to max_value 8.
        let end = try GradMode.noGrad { try model.secondsEnd(cases.tensor("seconds_end")) }
        Parity.check(end, try cases.tensor("seconds_end_hidden_states"), "projection seconds_end")
        let clamped = try GradMode.noGrad { try model.secondsEnd(Tensor([3, 8])) }
        XCTAssertEqual(clamped.scalars, end.scalars)
    }

    func testEqualWidthsUseNoTextProjectionAndBadValuesAreRefused() throws {
        let same = try StableAudioProjectionModel(config: .init(textEncoderDim: 8, conditioningDim: 8, minValue: 0, maxValue: 512))
        XCTAssertNil(same.textProjection)
        XCTAssertFalse(same.stateDict().keys.contains { $0.hasPrefix("text_projection") })
        let x = Tensor.randn([1, 3, 8], generator: RandomGenerator(seed: 1))
        XCTAssertEqual(try same.projectText(x).scalars, x.scalars)
        XCTAssertThrowsError(try StableAudioProjectionModel(config: .init(textEncoderDim: 8, conditioningDim: 0, minValue: 0, maxValue: 1))) { e in
            XCTAssertEqual("\(e)", "conditioning_dim: expected a positive integer, got 0")
        }
        XCTAssertThrowsError(try StableAudioProjectionModel(config: .init(textEncoderDim: 8, conditioningDim: 8, minValue: 5, maxValue: 5))) { e in
            XCTAssertEqual("\(e)", "max_value: expected more than min_value (5.0), got 5.0")
        }
        XCTAssertThrowsError(try ModelConfig.decode(StableAudioProjectionConfig.self, from: Data(#"{"text_encoder_dim": 8}"#.utf8), path: "config.json")) { e in
            XCTAssertTrue("\(e)".contains("conditioning_dim"), "\(e)")
        }
    }
}
