import Audio
import Foundation
import Tensors
import Text
import Training
import XCTest

/// Mutation fuzzing of the four readers that take files from outside: the safetensors header, tokenizer.json, the
/// YAML training config and audio files (WAV/FLAC through libsndfile). Each reader gets valid seed inputs mutated
/// by a seeded generator (bit flips, byte edits, inserted, deleted, duplicated and truncated ranges, boundary
/// integers) for a bounded time, and must return or throw for every input: a crash ends the test process (the input
/// is kept in `FOLEY_FUZZ_DIR`, default the temporary folder, as `fuzz-<reader>-current.bin`), an input taking
/// longer than `hangSeconds` fails the test.
///
/// libFuzzer (clang's `-fsanitize=fuzzer`) would need the readers and everything under them built a second time with
/// coverage instrumentation, which the CI budget does not allow; this deterministic mutator runs inside the
/// ordinary test build instead. `FOLEY_FUZZ_SECONDS` sets the time per reader (default 20).
final class ReaderFuzzTests: XCTestCase {
    static let seconds = Double(ProcessInfo.processInfo.environment["FOLEY_FUZZ_SECONDS"] ?? "") ?? 20
    static let hangSeconds = 5.0
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// A small deterministic mutator (xorshift64*).
    struct Mutator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12; state ^= state << 25; state ^= state >> 27
            return state &* 2685821657736338717
        }
        mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }

        static let interesting: [[UInt8]] = [[0], [0xFF], [0x7F], [0x80], [0xFF, 0xFF, 0xFF, 0xFF], [0xFF, 0xFF, 0xFF, 0x7F],
                                             [0, 0, 0, 0x80], Array(repeating: 0xFF, count: 8), Array("-1".utf8),
                                             Array("1e309".utf8), Array("99999999999999999999".utf8), Array("nan".utf8),
                                             Array("{".utf8), Array("[".utf8), Array("\"".utf8), Array(":".utf8), [0x0A]]

        mutating func mutate(_ input: [UInt8]) -> [UInt8] {
            var b = input
            for _ in 0...below(4) {
                let at = below(b.count + 1)
                switch below(8) {
                case 0 where !b.isEmpty: b[min(at, b.count - 1)] ^= UInt8(1 << below(8))
                case 1 where !b.isEmpty: b[min(at, b.count - 1)] = UInt8(truncatingIfNeeded: next())
                case 2: b.insert(contentsOf: Mutator.interesting[below(Mutator.interesting.count)], at: at)
                case 3 where !b.isEmpty:
                    let v = Mutator.interesting[below(Mutator.interesting.count)]
                    for (i, x) in v.enumerated() where at + i < b.count { b[at + i] = x }
                case 4 where at < b.count: b.removeSubrange(at..<min(b.count, at + 1 + below(64)))
                case 5 where at < b.count:
                    let piece = b[at..<min(b.count, at + 1 + below(256))]
                    b.insert(contentsOf: piece, at: below(b.count + 1))
                case 6: b = Array(b.prefix(at))
                default: b.insert(contentsOf: (0..<(1 + below(16))).map { _ in UInt8(truncatingIfNeeded: next()) }, at: at)
                }
            }
            return b
        }
    }

    /// Runs `body` on mutations of `seeds` for the bounded time; returns how many inputs ran and how many were accepted.
    func fuzz(_ name: String, seeds: [[UInt8]], seed: UInt64, _ body: ([UInt8]) throws -> Void) throws -> (runs: Int, accepted: Int) {
        XCTAssertFalse(seeds.isEmpty)
        let dir = ProcessInfo.processInfo.environment["FOLEY_FUZZ_DIR"] ?? NSTemporaryDirectory()
        let keep = URL(fileURLWithPath: dir).appendingPathComponent("fuzz-\(name)-current.bin")
        var m = Mutator(state: seed | 1)
        var runs = 0, accepted = 0
        let start = Date()
        for s in seeds { try body(s) }   // every seed is valid
        while Date().timeIntervalSince(start) < Self.seconds {
            let input = m.mutate(seeds[m.below(seeds.count)])
            try Data(input).write(to: keep)
            let t0 = Date()
            do { try body(input); accepted += 1 } catch {}
            let took = Date().timeIntervalSince(t0)
            XCTAssertLessThan(took, Self.hangSeconds, "\(name): an input took \(took) s (kept in \(keep.path))")
            runs += 1
        }
        try? FileManager.default.removeItem(at: keep)
        print("fuzz \(name): \(runs) inputs in \(Int(Self.seconds)) s, \(accepted) accepted")
        XCTAssertGreaterThan(runs, 50, name)
        return (runs, accepted)
    }

    func tempFile(_ name: String) -> String {
        let p = NSTemporaryDirectory() + "foley-fuzz-\(getpid())-\(name)"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: p) }
        return p
    }

    func testSafetensorsHeader() throws {
        let path = tempFile("seed.safetensors")
        try SafeTensorsFile.save(["a": Tensor(shape: [2, 3], data: [1, 2, 3, 4, 5, 6]), "b.weight": Tensor([7])], to: path,
                                 metadata: ["format": "pt"])
        let half = tempFile("half.safetensors")
        try SafeTensorsFile.save(["x": Tensor(shape: [4], data: [0.5, -1, 2, 3])], to: half, as: .f16)
        let seeds = try [path, half].map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) }
        _ = try fuzz("safetensors", seeds: seeds, seed: 1) { bytes in
            let f = try SafeTensorsFile(data: Data(bytes), path: "fuzz.safetensors")
            for k in f.keys { _ = try f.tensor(k) }
        }
    }

    func testTokenizerJSON() throws {
        let seed = [UInt8](try Data(contentsOf: Self.repo.appendingPathComponent("Tests/Fixtures/clip_tokenizer/tokenizer.json")))
        _ = try fuzz("tokenizer", seeds: [seed], seed: 2) { bytes in
            let t = try PipelineTokenizer(tokenizerJSONData: Data(bytes))
            _ = t.encode("a dog barking, then rain on a tin roof")
        }
    }

    func testYAMLConfig() throws {
        let seeds = try ["tiny-vae", "tiny-ldm", "default-clap"].map {
            [UInt8](try Data(contentsOf: Self.repo.appendingPathComponent("configs/\($0).yaml")))
        }
        _ = try fuzz("yaml", seeds: seeds, seed: 3) { bytes in
            _ = try TrainingConfig.parse(yaml: String(decoding: bytes, as: UTF8.self))
        }
    }

    func testAudioFiles() throws {
        let wav = tempFile("seed.wav"), flac = tempFile("seed.flac"), input = tempFile("input.bin")
        let tone = (0..<800).map { Float(0.3 * sin(Double($0) * 0.2)) }
        try AudioFile.write(AudioBuffer(sampleRate: 16000, channels: 2, interleaved: tone), to: wav)
        try AudioFile.write(AudioBuffer(mono: tone, sampleRate: 8000), to: flac)
        let seeds = try [wav, flac].map { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) }
        _ = try fuzz("audio", seeds: seeds, seed: 4) { bytes in
            try Data(bytes).write(to: URL(fileURLWithPath: input))
            let a = try AudioFile.read(input, mono: true)
            XCTAssertTrue(a.samples.allSatisfy(\.isFinite))
            XCTAssertTrue(AudioBuffer.sampleRates.contains(a.sampleRate))
        }
    }
}
