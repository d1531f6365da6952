import Foundation
import Tensors
import Corpus
import XCTest

/// Recipe versions never change once shipped; recipe 5's rates and family weights.
final class CorpusRecipeTests: XCTestCase {
    /// FNV-1a over every clip's caption, sorted params and sample bits: one number per recipe version.
    static func fingerprint(version: Int, clips: Int = 48, seconds: Double = 2, seed: UInt64 = 11) throws -> UInt64 {
        let recipe = CorpusRecipe(seconds: seconds, espeak: nil, version: version)
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func eat<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
            for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        }
        for i in 0..<clips {
            let clip = try recipe.clip(index: i, seed: seed)
            eat(clip.caption.utf8)
            for (k, v) in clip.params.sorted(by: { $0.key < $1.key }) { eat(k.utf8); eat(v.utf8) }
            for s in clip.samples { withUnsafeBytes(of: s.bitPattern.littleEndian) { eat($0) } }
        }
        return h
    }

    /// Fingerprints of recipes 1-4 taken at 8155dea: adding a version must leave them bit-identical.
    func testShippedRecipesAreUnchanged() throws {
        let golden: [Int: UInt64] = [1: 7_139_476_840_450_917_715, 2: 10_892_732_622_695_401_767,
                                     3: 13_487_813_594_502_124_876, 4: 2_964_261_788_980_659_468]
        for version in 1...4 {
            XCTAssertEqual(try Self.fingerprint(version: version), golden[version], "recipe \(version) changed")
        }
        XCTAssertNotEqual(try Self.fingerprint(version: 5), golden[4])
    }

    func testVersionFiveIsKnownAndSixIsNot() throws {
        try CorpusRecipe(seconds: 1, espeak: nil, version: 5).validate()
        XCTAssertThrowsError(try CorpusRecipe(seconds: 1, espeak: nil, version: 6).validate()) { error in
            XCTAssertTrue("\(error)".contains("1-5"), "\(error)")
        }
        let four = CorpusRecipe(seconds: 4, espeak: nil, version: 4), five = CorpusRecipe(seconds: 4, espeak: nil, version: 5)
        XCTAssertEqual([four.mixtureProbability, four.sequentialProbability, four.loudnessProbability], [0.15, 0.5, 0.25])
        XCTAssertEqual(five.mixtureProbability, 0.25)
        XCTAssertEqual(five.sequentialProbability, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(five.loudnessProbability, 0.35)
        XCTAssertEqual(four.weightedFamilies.map(\.name), four.families.map(\.name))
        let names = five.weightedFamilies.map(\.name)
        XCTAssertEqual(names.count, 11)
        for name in ["tone", "beeps", "percussion"] { XCTAssertEqual(names.filter { $0 == name }.count, 2, name) }
        for name in ["chord", "sweep", "noise", "pluck", "texture"] { XCTAssertEqual(names.filter { $0 == name }.count, 1, name) }
        XCTAssertEqual(CorpusRecipe(seconds: 4, espeak: nil, version: 5, only: ["noise", "beeps"]).weightedFamilies.map(\.name),
                       ["beeps", "noise", "beeps"])
    }

    func testRecipeFiveRatesAndCaptions() throws {
        let recipe = CorpusRecipe(seconds: 2, espeak: nil, version: 5)
        let clips = try (0..<600).map { try recipe.clip(index: $0, seed: 21) }
        var families: [String: Int] = [:], mixes: [String: Int] = [:], levels: [String: Int] = [:]
        for clip in clips {
            checkBasics(clip, seconds: 2)
            families[clip.family, default: 0] += 1
            if let mix = clip.params["mix"] { mixes[mix, default: 0] += 1 }
            levels[clip.params["loudness"]!, default: 0] += 1
            // Held-out phrasings stay out of the training captions (CaptionParaphraseTests checks recipe 1).
            for cue in CaptionParaphrase.cues {
                XCTAssertFalse(clip.caption.lowercased().contains(cue), "recipe 5 caption uses held-out cue '\(cue)': \(clip.caption)")
            }
            if clip.params["mix"] == "then" {
                XCTAssertTrue(tokens(clip.caption).contains("then"), clip.caption)
                let half = clip.samples.count / 2
                XCTAssertGreaterThan(Measure.rms(Array(clip.samples[..<half])), 1e-4, clip.caption)
                XCTAssertGreaterThan(Measure.rms(Array(clip.samples[half...])), 1e-4, clip.caption)
            }
            if let parts = clip.params["parts"]?.components(separatedBy: "+") { XCTAssertNotEqual(parts[0], parts[1]) }
        }
        let mixtures = Double(families["mixture"] ?? 0)
        XCTAssertEqual(mixtures / 600, 0.25, accuracy: 0.05, "\(families)")
        XCTAssertEqual(Double(mixes["then"] ?? 0) / mixtures, 2.0 / 3, accuracy: 0.1, "\(mixes)")
        XCTAssertGreaterThan(mixes["while"] ?? 0, 20)
        XCTAssertEqual(Double(600 - levels["normal"]!) / 600, 0.35, accuracy: 0.05, "\(levels)")
        // Single-family clips: 0.75 of 600 over 11 slots, about 41 a slot; the doubled families get two.
        for name in ["tone", "beeps", "percussion"] { XCTAssertGreaterThan(families[name] ?? 0, 60, "\(name): \(families)") }
        for name in ["chord", "sweep", "noise", "pluck", "texture"] {
            XCTAssertLessThan(families[name] ?? 0, 60, "\(name): \(families)")
            XCTAssertGreaterThan(families[name] ?? 0, 20, "\(name): \(families)")
        }
    }

    func testMixturesOfDoubledFamiliesPairTwoDifferentOnes() throws {
        let parts: [SoundFamily] = [ToneFamily(seconds: 2), NoiseFamily(seconds: 2), ToneFamily(seconds: 2)]
        let mixture = MixtureFamily(parts: parts, seconds: 2, sequentialProbability: 1)
        for seed in UInt64(0)..<12 {
            let clip = try mixture.render(rng: RandomGenerator(seed: seed))
            XCTAssertEqual(clip.params["mix"], "then")
            XCTAssertTrue(["tone+noise", "noise+tone"].contains(clip.params["parts"]!), clip.params["parts"]!)
        }
    }
}
