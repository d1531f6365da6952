import Diffusion
import Foundation
import XCTest

final class ModelLoadingTests: XCTestCase {
    override func tearDown() { unsetenv("FOLEY_LOG") }

    /// Loading is quiet unless FOLEY_LOG asks for info.
    func testLogIsQuietByDefault() {
        unsetenv("FOLEY_LOG")
        XCTAssertFalse(LoadLog.enabled)
        setenv("FOLEY_LOG", "info", 1)
        XCTAssertTrue(LoadLog.enabled)
        setenv("FOLEY_LOG", "warning", 1)
        XCTAssertFalse(LoadLog.enabled)
    }

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
}
