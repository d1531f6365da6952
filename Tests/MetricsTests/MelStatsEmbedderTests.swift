import Audio
import Metrics
import Tensors
import XCTest

final class MelStatsEmbedderTests: XCTestCase {
    func testStatisticsOfTheLogMel() throws {
        let x = try Fixtures.tensor("clip_ref").scalars
        let e = try MelStatsEmbedder().embed(x)
        XCTAssertEqual(e.shape, [1, 256])
        let spec = try LogMel(sampleRate: 16000)(x)
        // Band 10: mean, std (ddof 0), mean and std of the first difference.
        let band = (0..<spec.frames).map { Double(spec[$0, 10]) }
        let delta = zip(band.dropFirst(), band).map { $0 - $1 }
        func meanStd(_ v: [Double]) -> (Double, Double) {
            let m = v.reduce(0, +) / Double(v.count)
            return (m, (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count)).squareRoot())
        }
        let (m, s) = meanStd(band), (dm, ds) = meanStd(delta)
        let row = e.scalars
        XCTAssertEqual(Double(row[10]), m, accuracy: 1e-5)
        XCTAssertEqual(Double(row[64 + 10]), s, accuracy: 1e-5)
        XCTAssertEqual(Double(row[128 + 10]), dm, accuracy: 1e-5)
        XCTAssertEqual(Double(row[192 + 10]), ds, accuracy: 1e-5)
    }

    func testSilenceHasTheFloorAndNoSpread() throws {
        let e = try MelStatsEmbedder().embed([Float](repeating: 0, count: 16000)).scalars
        XCTAssertEqual(e[0], Float(log(1e-5)), accuracy: 1e-5)
        XCTAssertEqual(e[64...].map(abs).max()!, 0)
    }

    func testRejectsTinyClips() {
        XCTAssertThrowsError(try MelStatsEmbedder().embed([0, 0, 0])) { e in
            XCTAssertTrue("\(e)".contains("at least 320 samples"), "\(e)")
        }
    }
}
