import Metrics
import XCTest

final class MetricTests: XCTestCase {
    func testParsesListsAndNamesUnknownEntries() throws {
        XCTAssertEqual(try Metric.parseList("fad, KL,is,,lsd"), [.fad, .kl, .is, .lsd])
        XCTAssertThrowsError(try Metric.parseList("fad,psnr")) { e in
            XCTAssertEqual("\(e)", "--metrics: unknown metric 'psnr' (expected some of fad,kl,is,lsd,mcd,pesq,clap)")
        }
    }

    func testWhatEachMetricNeeds() {
        XCTAssertEqual(Metric.allCases.filter(\.needsPairs), [.kl, .lsd, .mcd, .pesq])
        XCTAssertEqual(Metric.allCases.filter { !$0.isDefault }, [.pesq])
        XCTAssertEqual(Metric.allCases.filter(\.needsClassifier), [.kl, .is])
    }
}
