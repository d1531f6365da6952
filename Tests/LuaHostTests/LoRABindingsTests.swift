import Audio
import Diffusion
import Foundation
import LuaHost
import NN
import Tensors
import XCTest

/// LoRA at the prompt and on the command line: load, scale, unload, fuse; --lora, the sidecar, foley lora merge.
final class LoRABindingsTests: XCTestCase {
    let h = LuaHarness()

    /// A random adapter for the tiny model's UNet, written as diffusers writes one.
    func adapterFile(_ dir: URL, seed: UInt64 = 3) throws -> String {
        let pipe = try TextToAudioPipeline.load(folder: URL(fileURLWithPath: tinyModel))
        let a = try LoRAAdapter.attach(to: pipe.unet, name: "t", config: LoRAConfig(rank: 2, alpha: 2), generator: RandomGenerator(seed: seed))
        for (_, _, l) in a.layers { try l.up.assign(Tensor.randn(l.up.shape, generator: RandomGenerator(seed: seed + 1)) * 2) }
        let path = dir.appendingPathComponent("style.safetensors").path
        try LoRAFile.write([(prefix: "unet", adapter: a)], to: path)
        return path
    }

    func testAdaptersAtThePrompt() throws {
        let file = try adapterFile(try temporaryDirectory(self))
        XCTAssertEqual(h.values("""
            local p = foley.models.load('\(tinyModel)')
            local o = {prompt = 'a dog barks', steps = 2, seconds = 0.03, seed = 4}
            local base = p:generate(o):tensor()
            local name = p:load_lora('\(file)', 0.5)
            local adapted = p:generate(o):tensor()
            local changed = (adapted - base):abs():max() > 1e-4
            p:set_lora_scale(name, 0)
            local off = (p:generate(o):tensor() - base):abs():max()
            p:set_lora_scale(name, 1)
            local scale = p.loras[1].scale
            p:unload_lora()
            local unloaded = (p:generate(o):tensor() - base):abs():max()
            return name, tostring(changed), off, scale, unloaded, #p.loras
            """), ["style", "true", "0.0", "1.0", "0.0", "0"])
        h.assertError("foley.models.load('\(tinyModel)'):set_lora_scale('nope', 1)", "no adapter named 'nope' (loaded: none)")
        h.assertError("foley.models.load('\(tinyModel)'):load_lora('/no/such.safetensors')", "no such file: /no/such.safetensors")
        h.assertError("foley.models.load('\(tinyModel)'):fuse_lora()", "no adapter is loaded")
    }

    func testCommandLineAdaptersSidecarAndMerge() throws {
        let dir = try temporaryDirectory(self)
        let file = try adapterFile(dir)
        let common = ["--seconds", "0.05", "--steps", "2", "--seed", "5"]
        let base = try runFoley(["generate", "a dog barks", "--model", tinyModel, "--out", dir.appendingPathComponent("base.wav").path] + common)
        XCTAssertEqual(base.status, 0, base.stderr)
        let adapted = try runFoley(["generate", "a dog barks", "--model", tinyModel, "--lora", file + ":0.7",
                                    "--out", dir.appendingPathComponent("lora.wav").path] + common)
        XCTAssertEqual(adapted.status, 0, adapted.stderr)
        let sidecar = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("lora.json"))) as? [String: Any])
        let lora = try XCTUnwrap((sidecar["lora"] as? [[String: Any]])?.first)
        XCTAssertEqual(lora["path"] as? String, file)
        XCTAssertEqual(lora["scale"] as? Double ?? 0, 0.7, accuracy: 1e-6)
        let a = try AudioFile.read(dir.appendingPathComponent("base.wav").path).samples
        let b = try AudioFile.read(dir.appendingPathComponent("lora.wav").path).samples
        XCTAssertGreaterThan(zip(a, b).map { abs($0 - $1) }.max()!, 1e-4)

        let merged = dir.appendingPathComponent("merged").path
        let m = try runFoley(["lora", "merge", "--model", tinyModel, "--lora", file + ":0.7", "--out", merged])
        XCTAssertEqual(m.status, 0, m.stderr)
        let fromMerged = try runFoley(["generate", "a dog barks", "--model", merged, "--out", dir.appendingPathComponent("merged.wav").path] + common)
        XCTAssertEqual(fromMerged.status, 0, fromMerged.stderr)
        let c = try AudioFile.read(dir.appendingPathComponent("merged.wav").path).samples
        XCTAssertLessThanOrEqual(zip(b, c).map { abs($0 - $1) }.max()!, 1e-3, "merged model = base + adapter at 0.7")
        XCTAssertTrue(FileManager.default.fileExists(atPath: merged + "/lora_merged.json"))

        let info = try runFoley(["lora", "info", file])
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertTrue(info.stdout.contains("unet: ") && info.stdout.contains("rank 2, alpha 2.0"), info.stdout)
        let missing = try runFoley(["generate", "x", "--model", tinyModel, "--lora", "nope.safetensors:2"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("no such file 'nope.safetensors'"), missing.stderr)
        let again = try runFoley(["lora", "merge", "--model", tinyModel, "--lora", file, "--out", merged])
        XCTAssertTrue(again.stderr.contains("already exists"), again.stderr)
    }
}
