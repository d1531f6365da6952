import Foundation
import NN
import Tensors
import XCTest

/// A two-level module using diffusers-style dotted names.
final class Block: Module {
    let norm: GroupNorm, conv: Conv2d
    override init() {
        norm = GroupNorm(groups: 2, channels: 4)
        conv = Conv2d(4, 4, kernelSize: 3, padding: 1)
        super.init()
        child("norm1", norm)
        child("conv1", conv)
    }
}

final class ModuleTests: XCTestCase {
    func testDottedNamesFollowRegistration() {
        let m = Module()
        m.child("down_blocks", ModuleList([Block(), Block()]))
        let names = m.namedParameters().map(\.0)
        XCTAssertEqual(names.prefix(4), ["down_blocks.0.norm1.weight", "down_blocks.0.norm1.bias", "down_blocks.0.conv1.weight", "down_blocks.0.conv1.bias"])
        XCTAssertEqual(names.count, 8)
        XCTAssertEqual(m.parameterCount, 2 * (4 + 4 + 4 * 4 * 9 + 4))
    }

    func testLoadReportsMissingUnexpectedAndMisshapedKeys() throws {
        let b = Block()
        var state = b.stateDict().mapValues { $0.copy() }
        state["conv1.weight"] = Tensor.zeros([4, 4, 1, 1])
        state.removeValue(forKey: "norm1.bias")
        state["extra.weight"] = Tensor.zeros([1])
        XCTAssertThrowsError(try b.load(stateDict: state)) { e in
            let s = "\(e)"
            XCTAssertTrue(s.contains("missing keys: norm1.bias"), s)
            XCTAssertTrue(s.contains("unexpected keys: extra.weight"), s)
            XCTAssertTrue(s.contains("conv1.weight (checkpoint [4, 4, 1, 1], model [4, 4, 3, 3])"), s)
        }
    }

    func testLoadCopiesValuesAndRoundTripsThroughSafetensors() throws {
        let a = Block(), b = Block()
        let path = NSTemporaryDirectory() + "foley-mod-\(UUID().uuidString).safetensors"
        defer { unlink(path) }
        try SafeTensorsFile.save(a.stateDict(), to: path)
        try b.load(safetensors: path)
        XCTAssertEqual(b.conv.weight.scalars, a.conv.weight.scalars)
        let x = Tensor.randn([1, 4, 5, 5], generator: RandomGenerator(seed: 1))
        XCTAssertEqual(try b.conv(b.norm(x)).scalars, try a.conv(a.norm(x)).scalars)
    }

    func testLinearDefaultInitAndForward() throws {
        NNRandom.manualSeed(3)
        let l = Linear(16, 8)
        XCTAssertTrue(l.weight.scalars.allSatisfy { abs($0) <= 0.25 })
        XCTAssertGreaterThan(l.weight.scalars.map(abs).max()!, 0.2)
        let x = Tensor.randn([3, 16], generator: RandomGenerator(seed: 2))
        let ref = try x.matmul(l.weight.transpose(0, 1)) + l.bias!
        XCTAssertEqual(try l(x).scalars.enumerated().map { abs($0.element - ref.scalars[$0.offset]) }.max()!, 0, accuracy: 1e-5)
        XCTAssertEqual(l.summary, "Linear(16 -> 8)")
    }

    func testDropoutOnlyInTraining() throws {
        let d = Dropout(0.5)
        let x = Tensor.ones([100])
        XCTAssertEqual(try d(x).scalars, x.scalars)
        d.train()
        XCTAssertTrue(try d(x).scalars.contains(0))
    }
}
