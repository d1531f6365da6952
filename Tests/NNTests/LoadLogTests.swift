import Foundation
import NN
import XCTest

final class LoadLogTests: XCTestCase {
    override func tearDown() { unsetenv("FOLEY_LOG"); LoadLog.verbose = false }

    /// Loading is quiet unless FOLEY_LOG asks for info or --verbose was given.
    func testLogIsQuietByDefault() {
        unsetenv("FOLEY_LOG")
        XCTAssertFalse(LoadLog.enabled)
        setenv("FOLEY_LOG", "info", 1)
        XCTAssertTrue(LoadLog.enabled)
        setenv("FOLEY_LOG", "warning", 1)
        XCTAssertFalse(LoadLog.enabled)
        LoadLog.verbose = true
        XCTAssertTrue(LoadLog.enabled)
    }

    /// A Codable config is logged as sorted JSON after the class and folder.
    func testLoggedLineIsClassFolderAndSortedConfig() {
        struct Config: Encodable { let b = 2; let a = "x" }
        var lines: [String] = []
        let sink = LoadLog.sink
        LoadLog.sink = { lines.append($0) }
        defer { LoadLog.sink = sink }
        LoadLog.loaded("Thing", from: URL(fileURLWithPath: "/m/thing"), config: Config())
        XCTAssertEqual(lines, [])
        LoadLog.verbose = true
        LoadLog.loaded("Thing", from: URL(fileURLWithPath: "/m/thing"), config: Config())
        LoadLog.loaded("Other", from: URL(fileURLWithPath: "/m/other"), values: ["z": 1, "y": [1, 2]])
        XCTAssertEqual(lines, [#"loaded Thing from /m/thing: {"a":"x","b":2}"#, #"loaded Other from /m/other: {"y":[1,2],"z":1}"#])
    }
}
