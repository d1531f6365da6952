import Diffusion
import Foundation
import NN
import Tensors
import Training
import XCTest

final class ModelExportTests: XCTestCase {
    /// A half-precision export stores F16 and loads back as the same model within float16 rounding.
    func testHalfStorageExportLoadsBack() throws {
        var c = AutoencoderKLConfig()
        c.inChannels = 1
        c.outChannels = 1
        c.blockOutChannels = [8, 16]
        c.downBlockTypes = ["DownEncoderBlock2D", "DownEncoderBlock2D"]
        c.upBlockTypes = ["UpDecoderBlock2D", "UpDecoderBlock2D"]
        c.normNumGroups = 4
        let vae = try AutoencoderKL(config: c)
        let dir = URL(fileURLWithPath: NSTemporaryDirectory() + "foley-export-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        ModelExport.storage = .f16
        defer { ModelExport.storage = .f32 }
        try ModelExport.writeVAE(config: c, weights: vae.stateDict(), scalingFactor: 0.5, to: dir)
        let file = try SafeTensorsFile(path: dir.appendingPathComponent("diffusion_pytorch_model.safetensors").path)
        XCTAssertTrue(file.entries.values.allSatisfy { $0.dtype == .f16 })
        let back = try AutoencoderKL.load(folder: dir)
        XCTAssertEqual(back.scalingFactor, 0.5)
        let w = vae.encoder.convIn.weight.scalars, b = back.encoder.convIn.weight.scalars
        for (x, y) in zip(w, b) { XCTAssertEqual(x, y, accuracy: abs(x) * 1e-3 + 1e-6) }
    }
}
