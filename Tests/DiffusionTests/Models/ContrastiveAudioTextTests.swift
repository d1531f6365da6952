import Diffusion
import Foundation
import NN
import Tensors
import XCTest

/// Parity of Foley's contrastive audio-text model against the same network in PyTorch
/// (scripts/reference/contrastive_fixtures.py, random weights), plus its folder round trip and errors.
final class ContrastiveAudioTextTests: XCTestCase {
    func fixtureModel() throws -> (ContrastiveAudioText, SafeTensorsFile) {
        let config = try Fixture.config(ContrastiveAudioTextConfig.self, "contrastive")
        let model = try ContrastiveAudioText(config: config)
        let file = try SafeTensorsFile(path: Fixture.url("contrastive", "contrastive.safetensors").path)
        var state: [String: Tensor] = [:]
        for k in file.keys where k.hasPrefix("model.") { state[String(k.dropFirst(6))] = try file.tensor(k) }
        try model.load(stateDict: state)
        return (model, file)
    }

    func testEmbeddingsAndLossMatchPyTorch() throws {
        let (model, ref) = try fixtureModel()
        let audio = try GradMode.noGrad { try model.audioEmbeddings(try ref.tensor("mel")) }
        let text = try GradMode.noGrad { try model.textEmbeddings(try ref.tensor("pooled")) }
        Parity.check(audio, try ref.tensor("audio_embeds"), tol: 1e-5, "contrastive audio_embeds")
        Parity.check(text, try ref.tensor("text_embeds"), tol: 1e-5, "contrastive text_embeds")
        let loss = try GradMode.noGrad { try model.contrastiveLoss(audio: audio, text: text) }
        Parity.check(try loss.reshape([1]), try ref.tensor("loss"), tol: 1e-5, "contrastive loss")
        for row in 0..<3 {
            let norm = (0..<audio.shape[1]).map { audio.scalars[row * audio.shape[1] + $0] }.reduce(0) { $0 + $1 * $1 }
            XCTAssertEqual(norm, 1, accuracy: 1e-5)
        }
    }

    func testGradientsMatchPyTorch() throws {
        let (model, ref) = try fixtureModel()
        model.train()
        let loss = try GradMode.enableGrad {
            try model.contrastiveLoss(audio: try model.audioEmbeddings(try ref.tensor("mel")),
                                      text: try model.textEmbeddings(try ref.tensor("pooled")))
        }
        try loss.backward()
        let params = Dictionary(uniqueKeysWithValues: model.namedParameters())
        for k in ["audio_encoder.blocks.0.conv1.weight", "audio_projection.linear2.weight", "text_projection.linear1.bias", "logit_scale"] {
            Parity.check(try XCTUnwrap(params[k]?.grad), try ref.tensor("grad." + k), tol: 1e-4, "contrastive grad \(k)")
        }
        XCTAssertEqual(GradCheck.parametersWithoutGradient(model), [])
    }

    func testFolderRoundTripAndParameterNames() throws {
        let (model, ref) = try fixtureModel()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("contrastive-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try model.save(to: dir)
        let back = try ContrastiveAudioText.load(folder: dir)
        XCTAssertEqual(back.config, model.config)
        let mel = try ref.tensor("mel")
        XCTAssertEqual(try GradMode.noGrad { try back.audioEmbeddings(mel) }.scalars, try GradMode.noGrad { try model.audioEmbeddings(mel) }.scalars)
        let keys = Set(model.stateDict().keys)
        XCTAssertTrue(keys.contains("audio_encoder.blocks.1.norm2.weight"))
        XCTAssertTrue(keys.contains("text_projection.linear2.bias"))
        let json = try String(contentsOf: dir.appendingPathComponent("config.json"), encoding: .utf8)
        XCTAssertTrue(json.contains("\"_class_name\" : \"ContrastiveAudioText\""))
    }

    func testBadShapesAndConfigsNameTheProblem() throws {
        let (model, _) = try fixtureModel()
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "no error" } catch { return "\(error)" }
        }
        XCTAssertTrue(message { _ = try model.audioEmbeddings(Tensor.zeros([1, 1, 40, 12])) }.contains("expected [batch, 1, frames, 16]"))
        XCTAssertTrue(message { _ = try model.audioEmbeddings(Tensor.zeros([1, 1, 4, 16])) }.contains("at least 8 frames"))
        XCTAssertTrue(message { _ = try model.textEmbeddings(Tensor.zeros([2, 5])) }.contains("[batch, 12]"))
        XCTAssertTrue(message { _ = try model.contrastiveLoss(audio: Tensor.zeros([1, 10]), text: Tensor.zeros([1, 10])) }.contains("at least 2"))
        var c = ContrastiveAudioTextConfig()
        c.normNumGroups = 5
        XCTAssertTrue(message { _ = try ContrastiveAudioText(config: c) }.hasPrefix("norm_num_groups:"))
        c = ContrastiveAudioTextConfig()
        c.numMels = 8
        XCTAssertTrue(message { _ = try ContrastiveAudioText(config: c) }.hasPrefix("num_mels:"))
        XCTAssertTrue(message { _ = try ContrastiveAudioText.load(folder: URL(fileURLWithPath: "/no/such/clap")) }.contains("/no/such/clap"))
    }

    func testMatchingPairsScoreLowerLossThanShuffledOnes() throws {
        let (model, ref) = try fixtureModel()
        let a = try GradMode.noGrad { try model.audioEmbeddings(try ref.tensor("mel")) }
        // Text rows equal to the audio rows are the best possible match; rolled rows the worst.
        let matched = try GradMode.noGrad { try model.contrastiveLoss(audio: a, text: a) }.item
        let rolled = try Tensor.concat([try a.slice(axis: 0, start: 1, end: 3), try a.slice(axis: 0, start: 0, end: 1)], axis: 0)
        let mismatched = try GradMode.noGrad { try model.contrastiveLoss(audio: a, text: rolled) }.item
        XCTAssertLessThan(matched, mismatched)
    }
}
