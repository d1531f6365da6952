import Audio
import LuaHost
import Metrics
import Tensors
import XCTest

final class MetricsBindingsTests: XCTestCase {
    let h = LuaHarness()

    func testFADAgreesWithSwift() throws {
        let out = h.values("""
            local a = foley.tensor.randn({40, 6}, 1)
            local b = foley.tensor.randn({30, 6}, 2) * 1.5 + 0.5
            return foley.metrics.fad(a, a) < 1e-9, string.format('%.10f', foley.metrics.fad(a, b))
            """)
        let a = Tensor.randn([40, 6], generator: RandomGenerator(seed: 1))
        let b = Tensor.randn([30, 6], generator: RandomGenerator(seed: 2)) * 1.5 + 0.5
        XCTAssertEqual(out, ["true", String(format: "%.10f", try FrechetDistance.distance(a, b))])
    }

    func testKLAndInceptionScore() throws {
        let out = h.values("""
            local p = foley.tensor.randn({5, 4}, 3):softmax()
            local q = foley.tensor.randn({5, 4}, 4):softmax()
            local mean, std = foley.metrics.inception_score(p)
            return string.format('%.6f', foley.metrics.kl(p, q)), foley.metrics.kl(p, p) < 1e-4,
                foley.metrics.kl(p, q, 'sigmoid') > foley.metrics.kl(p, q), mean > 1, std
            """)
        let p = try Tensor.randn([5, 4], generator: RandomGenerator(seed: 3)).softmax()
        let q = try Tensor.randn([5, 4], generator: RandomGenerator(seed: 4)).softmax()
        XCTAssertEqual(out, [String(format: "%.6f", try ClassifierScores.klDivergence(reference: p, generated: q)), "true", "true", "true", "0.0"])
    }

    func testSpectralDistancesOfClips() throws {
        let out = h.values("""
            local t = foley.tensor.arange(16000) * (2 * math.pi * 440 / 16000)
            local a = foley.audio.from_tensor(t:sin() * 0.3 + foley.tensor.randn({16000}, 5) * 0.01, 16000)
            local b = foley.audio.from_tensor(t:sin() * 0.3 + foley.tensor.randn({16000}, 6) * 0.05, 16000)
            local e = foley.metrics.melstats(a)
            return foley.metrics.lsd(a, a), foley.metrics.mcd(a, a), foley.metrics.lsd(a, b) > 0.1,
                foley.metrics.mcd(a, b) > 0.1, table.concat(e:shape(), 'x')
            """)
        XCTAssertEqual(out, ["0.0", "0.0", "true", "true", "1x256"])
    }

    func testEmbedderAndEval() throws {
        let dir = try temporaryDirectory(self)
        for (name, f) in [("a", 330.0), ("b", 660.0)] {
            let tone = (0..<8000).map { Float(0.3 * sin(2 * Double.pi * f * Double($0) / 16000)) }
            try AudioFile.write(AudioBuffer(mono: tone, sampleRate: 16000), to: dir.appendingPathComponent(name + ".wav").path)
        }
        let out = h.values("""
            local e = foley.metrics.embedder()
            local a = foley.audio.load('\(dir.path)/a.wav')
            local x = e:embed(a)
            local r = foley.metrics.eval('\(dir.path)', '\(dir.path)', 'fad,lsd', e)
            return tostring(e), e.dim, table.concat(x:shape(), 'x'), (x - foley.metrics.melstats(a)):abs():max(),
                r.generated, r.paired, r.skipped, r.lsd, r.fad < 1e-6
            """)
        XCTAssertEqual(out, ["Embedder(melstats, 256-d, 16000 Hz)", "256", "1x256", "0.0", "2", "2", "0", "0.0", "true"])
        h.assertError("foley.metrics.embedder():classify(foley.audio.from_tensor(foley.tensor.zeros(800), 8000))",
                      "melstats only embeds")
        h.assertError("foley.metrics.embedder('vggish')", "bad argument #2 to 'foley.metrics.embedder' (weights file expected for vggish")
    }

    /// foley.metrics.probes on the tiny fixture pipeline: every kind scored (order and family by the shipped model's
    /// classifier), the trimmed duration always right.
    func testProbesOnAPipeline() throws {
        let out = h.values("""
            local acc, text = foley.metrics.probes(foley.models.load('\(tinyModel)'), {per_kind = 1, steps = 2, seconds = 0.5})
            local kinds = 0
            for _, k in ipairs({'pitch', 'note', 'register', 'count', 'noise_color', 'loudness', 'duration', 'order', 'family'}) do
              if type(acc[k]) == 'number' and acc[k] >= 0 and acc[k] <= 1 then kinds = kinds + 1 end
            end
            return kinds, acc.duration, text:find('noise_color', 1, true) ~= nil, text:find('register', 1, true) ~= nil
            """)
        XCTAssertEqual(out, ["9", "1.0", "true", "true"])
        h.assertError("foley.metrics.probes(foley.models.load('\(tinyModel)'), {per_kind = 1, classifier = '\(tinyModel)'})", "contrastive")
        XCTAssertTrue(h.lua.helpText("foley.metrics.probes").hasPrefix("probes(pipe"))
    }

    func testHelpAndErrors() {
        XCTAssertTrue(h.lua.helpText("foley.metrics.fad").hasPrefix("fad(a, b) -> number"))
        XCTAssertTrue(h.lua.helpText("foley.metrics").contains("foley.metrics.lsd"))
        h.assertError("foley.metrics.fad(1, 2)", "bad argument #1 to 'foley.metrics.fad' (Tensor expected, got number)")
        h.assertError("foley.metrics.kl(foley.tensor.ones({1, 2}) * 0.5, foley.tensor.ones({1, 2}) * 0.5, 'x')",
                      "bad argument #3 to 'foley.metrics.kl' ('softmax' or 'sigmoid' expected, got 'x')")
        h.assertError("foley.metrics.fad(foley.tensor.zeros({4, 3}), foley.tensor.zeros({4, 2}))", "dimensions differ: 3 vs 2")
    }
}
