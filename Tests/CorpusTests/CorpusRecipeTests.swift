import Foundation
import Tensors
import Corpus
import XCTest

/// Recipe versions never change once shipped.
final class CorpusRecipeTests: XCTestCase {
    /// FNV-1a over every clip's caption, sorted params and sample bits: one number per recipe version.
    static func fingerprint(version: Int, clips: Int = 48, seconds: Double = 2, seed: UInt64 = 11) throws -> UInt64 {
        let recipe = CorpusRecipe(seconds: seconds, espeak: nil, version: version)
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func eat<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
            for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        }
        for i in 0..<clips {
            let clip = try recipe.clip(index: i, seed: seed)
            eat(clip.caption.utf8)
            for (k, v) in clip.params.sorted(by: { $0.key < $1.key }) { eat(k.utf8); eat(v.utf8) }
            for s in clip.samples { withUnsafeBytes(of: s.bitPattern.littleEndian) { eat($0) } }
        }
        return h
    }

    /// Fingerprints of recipes 1-4 taken at 8155dea: adding a version must leave them bit-identical.
    func testShippedRecipesAreUnchanged() throws {
        let golden: [Int: UInt64] = [1: 7_139_476_840_450_917_715, 2: 10_892_732_622_695_401_767,
                                     3: 13_487_813_594_502_124_876, 4: 2_964_261_788_980_659_468]
        for version in 1...4 {
            XCTAssertEqual(try Self.fingerprint(version: version), golden[version], "recipe \(version) changed")
        }
    }
}
