import Diffusion
import Foundation
import NN
import Tensors
import XCTest

final class ModelFolderTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("foley-modelfolder-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    final class Tiny: Module {
        let a = Linear(2, 3), b = Linear(3, 1)
        override init() {
            super.init()
            child("a", a)
            child("b", b)
        }
    }

    func values(_ shape: [Int], _ start: Float) -> Tensor {
        Tensor(shape: shape, data: (0..<Tensor.count(of: shape)).map { start + Float($0) })
    }

    func testShardedWeightsLoadThroughTheIndex() throws {
        try SafeTensorsFile.save(["a.weight": values([3, 2], 0), "a.bias": values([3], 10)],
                                 to: dir.appendingPathComponent("model-00001-of-00002.safetensors").path)
        try SafeTensorsFile.save(["b.weight": values([1, 3], 20), "b.bias": values([1], 30)],
                                 to: dir.appendingPathComponent("model-00002-of-00002.safetensors").path)
        let index = """
            {"metadata": {"total_size": 52}, "weight_map": {"a.weight": "model-00001-of-00002.safetensors",
             "a.bias": "model-00001-of-00002.safetensors", "b.weight": "model-00002-of-00002.safetensors",
             "b.bias": "model-00002-of-00002.safetensors"}}
            """
        try Data(index.utf8).write(to: dir.appendingPathComponent("model.safetensors.index.json"))
        let folder = ModelFolder(dir)
        XCTAssertEqual(try folder.weightFiles().map(\.lastPathComponent),
                       ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"])
        let m = Tiny()
        try folder.loadWeights(into: m)
        XCTAssertEqual(m.a.weight.scalars, [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(m.b.bias!.scalars, [30])
    }

    func testSingleFileVariantsAndPreference() throws {
        try SafeTensorsFile.save(["x": values([1], 1)], to: dir.appendingPathComponent("model.safetensors").path)
        try SafeTensorsFile.save(["y": values([1], 2)], to: dir.appendingPathComponent("diffusion_pytorch_model.fp16.safetensors").path, as: .f16)
        XCTAssertEqual(try ModelFolder(dir).weightFiles().map(\.lastPathComponent), ["model.safetensors"])
        XCTAssertEqual(try ModelFolder(dir, variant: "fp16").stateDict()["y"]?.scalars, [2])
        try SafeTensorsFile.save(["z": values([1], 3)], to: dir.appendingPathComponent("diffusion_pytorch_model.safetensors").path)
        XCTAssertEqual(try ModelFolder(dir).weightFiles().map(\.lastPathComponent), ["diffusion_pytorch_model.safetensors"])
    }

    func testErrorsNameTheFolderFileAndKeys() throws {
        XCTAssertThrowsError(try ModelFolder(dir).weightFiles()) { e in
            let m = "\(e)"
            XCTAssertTrue(m.hasPrefix(self.dir.path) && m.contains("diffusion_pytorch_model.safetensors"), m)
        }
        try Data("pickle".utf8).write(to: dir.appendingPathComponent("diffusion_pytorch_model.bin"))
        XCTAssertThrowsError(try ModelFolder(dir).weightFiles()) { e in
            XCTAssertTrue("\(e)".contains("convert them to safetensors"), "\(e)")
        }
        let path = dir.appendingPathComponent("model.safetensors").path
        try SafeTensorsFile.save(["a.weight": values([3, 2], 0), "a.bias": values([3], 0), "b.weight": values([1, 3], 0),
                                  "b.bias": values([1], 0), "extra": values([1], 0)], to: path)
        XCTAssertThrowsError(try ModelFolder(dir).loadWeights(into: Tiny())) { e in
            let m = "\(e)"
            XCTAssertTrue(m.hasPrefix(path) && m.contains("unexpected keys: extra"), m)
        }
        try ModelFolder(dir).loadWeights(into: Tiny(), strict: false)
        XCTAssertThrowsError(try ModelFolder(dir.appendingPathComponent("nope")).weightFiles()) { e in
            XCTAssertTrue("\(e)".contains("no such model folder"), "\(e)")
        }
        try Data(#"{"weight_map": {"a.weight": "missing.safetensors"}}"#.utf8)
            .write(to: dir.appendingPathComponent("diffusion_pytorch_model.safetensors.index.json"))
        XCTAssertThrowsError(try ModelFolder(dir).weightFiles()) { e in
            XCTAssertTrue("\(e)".contains("shard 'missing.safetensors'"), "\(e)")
        }
    }

    func testModelLoadersReportConfigProblemsWithTheFile() throws {
        try Data(#"{"block_out_channels": [8, 16], "down_block_types": ["DownEncoderBlock2D"]}"#.utf8)
            .write(to: dir.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try AutoencoderKL.load(folder: dir)) { e in
            let m = "\(e)"
            XCTAssertTrue(m.hasPrefix(self.dir.appendingPathComponent("config.json").path) && m.contains("block_out_channels"), m)
        }
        try Data(#"{"upsample_rates": [2, 2], "upsample_kernel_sizes": [4]}"#.utf8).write(to: dir.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try HiFiGAN.load(folder: dir)) { e in
            XCTAssertTrue("\(e)".contains("upsample_kernel_sizes"), "\(e)")
        }
    }
}
