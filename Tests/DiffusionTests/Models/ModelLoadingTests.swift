import Diffusion
import Foundation
import NN
import XCTest

final class ModelLoadingTests: XCTestCase {
    /// The one loader builds from config.json and names it when the config is refused.
    func testOneLoaderBuildsAndNamesARefusedConfig() throws {
        let folder = Fixture.url("audioldm_pipeline", "model", "vocoder")
        let v = try ModelFolder(folder).load(HiFiGANConfig.self) { try HiFiGAN(config: $0) }
        XCTAssertEqual(v.hopLength, try HiFiGAN.load(folder: folder).hopLength)
        XCTAssertThrowsError(try ModelFolder(folder).load(HiFiGANConfig.self) { _ -> HiFiGAN in
            throw DiffusionError.invalidArgument("upsample_rates", "refused")
        }) { e in
            XCTAssertEqual("\(e)", folder.appendingPathComponent("config.json").path + ": upsample_rates: refused")
        }
    }

    /// Every module loaded through the one loader reports its class, folder and config when logging is on.
    func testOneLoaderLogsTheHyperparameters() throws {
        var lines: [String] = []
        let sink = LoadLog.sink
        LoadLog.sink = { lines.append($0) }
        LoadLog.verbose = true
        defer { LoadLog.sink = sink; LoadLog.verbose = false }
        let folder = Fixture.url("audioldm_pipeline", "model", "vocoder")
        _ = try HiFiGAN.load(folder: folder)
        XCTAssertEqual(lines.count, 1)
        XCTAssertTrue(lines[0].hasPrefix("loaded HiFiGAN from \(folder.path): {"), lines[0])
        XCTAssertTrue(lines[0].contains("upsample_rates"), lines[0])
    }
}
