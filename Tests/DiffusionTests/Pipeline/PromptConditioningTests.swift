@testable import Diffusion
import Foundation
import NN
import Tensors
import Text
import XCTest

final class PromptConditioningTests: XCTestCase {
    func path(_ conditioning: TextToAudioPipeline.Conditioning = .both, capacity: Int = 4) throws -> PromptConditioning {
        let pipe = try TextToAudioPipeline.load(folder: Fixture.url("audioldm_pipeline", "model"))
        return PromptConditioning(conditioner: try XCTUnwrap(pipe.conditioner), conditioning: conditioning, cacheCapacity: capacity)
    }

    /// Each prompt is encoded alone and cached: a batch's rows are those prompts' rows, whatever their batch-mates.
    func testRowsDoNotDependOnBatchMatesAndAreCached() throws {
        let p = try path()
        let both = try p(["A dog barking", "rain"])
        XCTAssertEqual(p.cachedCount, 2)
        let alone = try p(["rain"])
        XCTAssertEqual(p.cachedCount, 2)
        let n = try XCTUnwrap(alone.tokens).shape[1]
        let row = try XCTUnwrap(both.tokens).slice(axis: 0, start: 1, end: 2).slice(axis: 1, start: 0, end: n)
        XCTAssertEqual(row.scalars, try XCTUnwrap(alone.tokens).scalars)
        XCTAssertEqual(try XCTUnwrap(both.pooled).slice(axis: 0, start: 1, end: 2).scalars, try XCTUnwrap(alone.pooled).scalars)
        // The shorter prompt's padding is masked out.
        let mask = try XCTUnwrap(both.mask)
        XCTAssertEqual(mask.shape[0], 2)
        XCTAssertEqual(Array(mask.scalars[mask.shape[1]...]).reduce(0, +), Float(n))
        // Pooled rows are L2-normalized, as AudioLDM feeds its class embedding.
        let pooled = try XCTUnwrap(alone.pooled).scalars
        XCTAssertEqual(pooled.map { $0 * $0 }.reduce(0, +), 1, accuracy: 1e-5)
        XCTAssertThrowsError(try p([])) { e in XCTAssertEqual("\(e)", "prompt: expected at least one prompt") }
    }

    /// `conditioning` decides which parts reach the UNet.
    func testConditioningSelectsTheParts() throws {
        let pooled = try path(.pooled)(["rain"]), tokens = try path(.tokens)(["rain"])
        XCTAssertNil(pooled.tokens)
        XCTAssertNil(pooled.mask)
        XCTAssertNotNil(pooled.pooled)
        XCTAssertNil(tokens.pooled)
        XCTAssertNotNil(tokens.tokens)
    }

    /// The grad-mode switch: recording gradients runs the batch through the encoder with a graph (a trainable
    /// encoder gets gradients), the cached path never does, and both give the same values.
    func testRecordingGradientsBuildsAGraphWithTheSameValues() throws {
        // MiniLM (BERT), the encoder Foley fine-tunes; scripts/setup fetches it.
        let p = PromptConditioning(conditioner: try TextConditioner.load(encoderFolder: FoleyPaths.miniLM), conditioning: .both,
                                   cacheCapacity: 0)
        let encoder = try XCTUnwrap(p.conditioner.encoder as? Module)
        encoder.requiresGrad(true)
        defer { encoder.requiresGrad(false) }
        let graded = try p(["rain"], recordingGradients: true)
        let plain = try p(["rain"])
        XCTAssertTrue(try XCTUnwrap(graded.pooled).requiresGrad)
        XCTAssertFalse(try XCTUnwrap(plain.pooled).requiresGrad)
        XCTAssertEqual(try XCTUnwrap(graded.pooled).scalars, try XCTUnwrap(plain.pooled).scalars)
        XCTAssertEqual(p.cachedCount, 0)
    }

    /// A model that reads prompt attributes gets each prompt's features after its pooled vector; embeddings passed in
    /// without features get the features of a prompt that states nothing, and join the encoded rows as they are.
    func testPromptAttributesFollowThePooledVector() throws {
        let pipe = try TextToAudioPipeline.load(folder: Fixture.url("audioldm_pipeline", "model"))
        let p = PromptConditioning(conditioner: try XCTUnwrap(pipe.conditioner), conditioning: .both, promptAttributes: true)
        let rows = try p(["three beeps at 2 kHz", ""])
        let attributes = try XCTUnwrap(rows.attributes)
        let k = PromptAttributes.featureSize
        XCTAssertEqual(attributes.shape, [2, k])
        XCTAssertEqual(Array(attributes.scalars[0..<k]), PromptAttributes(pitchesHz: [2000], count: 3).features)
        XCTAssertEqual(Array(attributes.scalars[k...]), [Float](repeating: 0, count: k), "the unconditional prompt states nothing")
        let pooled = try XCTUnwrap(rows.pooled), labels = try XCTUnwrap(try rows.classLabels)
        let width = pooled.shape[1]
        XCTAssertEqual(labels.shape, [2, width + k])
        XCTAssertEqual(Array(labels.scalars[0..<width]), Array(pooled.scalars[0..<width]))
        XCTAssertEqual(Array(labels.scalars[width..<(width + k)]), Array(attributes.scalars[0..<k]))
        // Without the switch, rows carry no features and the class input is the pooled vector alone.
        let plain = try path()(["three beeps at 2 kHz"])
        XCTAssertNil(plain.attributes)
        XCTAssertEqual(try XCTUnwrap(try plain.classLabels).shape, [1, width])
        let passed = ConditioningEmbeddings(pooled: Tensor.zeros([1, width])).withAttributes()
        let joined = try ConditioningEmbeddings.joined(passed, try p(["a 440 Hz tone"]).withAttributes())
        let both = try XCTUnwrap(joined.attributes)
        XCTAssertEqual(both.shape, [2, k])
        XCTAssertEqual(Array(both.scalars[0..<k]), [Float](repeating: 0, count: k))
        XCTAssertEqual(Array(both.scalars[k...]), PromptAttributes(pitchesHz: [440]).features)
    }
}
