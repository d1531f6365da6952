import Diffusion
import Foundation
import NN
import Tensors
import XCTest

final class ResnetBlock2DTests: XCTestCase {
    func testChannelChangeAddsShortcutAndTimeEmbeddingIsAddedBeforeNorm2() throws {
        NNRandom.manualSeed(1)
        let block = ResnetBlock2D(inChannels: 4, outChannels: 6, tembChannels: 5, groups: 2, outputScaleFactor: 2)
        XCTAssertEqual(Set(block.stateDict().keys), [
            "norm1.weight", "norm1.bias", "conv1.weight", "conv1.bias", "time_emb_proj.weight", "time_emb_proj.bias",
            "norm2.weight", "norm2.bias", "conv2.weight", "conv2.bias", "conv_shortcut.weight", "conv_shortcut.bias",
        ])
        XCTAssertEqual(block.convShortcut?.weight.shape, [6, 4, 1, 1])
        let x = Tensor.randn([2, 4, 3, 3], generator: RandomGenerator(seed: 2))
        let temb = Tensor.randn([2, 5], generator: RandomGenerator(seed: 3))
        let out = try block(x, temb: temb)
        var h = try block.conv1(block.norm1(x).silu())
        h = try h + block.timeEmbProj!(temb.silu()).reshape([2, 6, 1, 1])
        h = try block.conv2(block.norm2(h).silu())
        let expected = try (block.convShortcut!(x) + h) / 2
        XCTAssertLessThanOrEqual(Parity.relative(out, expected), 1e-6)
    }

    func testSameChannelsHaveIdentityShortcutAndScaleShiftDoublesTheProjection() throws {
        NNRandom.manualSeed(4)
        let plain = ResnetBlock2D(inChannels: 4, tembChannels: nil, groups: 2)
        XCTAssertNil(plain.convShortcut)
        XCTAssertNil(plain.timeEmbProj)
        let x = Tensor.randn([1, 4, 2, 2], generator: RandomGenerator(seed: 5))
        let expected = try x + plain.conv2(plain.norm2(plain.conv1(plain.norm1(x).silu())).silu())
        XCTAssertLessThanOrEqual(Parity.relative(try plain(x), expected), 1e-6)

        let ss = ResnetBlock2D(inChannels: 4, tembChannels: 3, groups: 2, timeEmbeddingNorm: .scaleShift)
        XCTAssertEqual(ss.timeEmbProj?.weight.shape, [8, 3])
        let temb = Tensor.randn([1, 3], generator: RandomGenerator(seed: 6))
        let p = try ss.timeEmbProj!(temb.silu()).reshape([1, 8, 1, 1]).chunk(2, axis: 1)
        var h = try ss.norm2(ss.conv1(ss.norm1(x).silu()))
        h = try h * (p[0] + 1) + p[1]
        let e2 = try x + ss.conv2(h.silu())
        XCTAssertLessThanOrEqual(Parity.relative(try ss(x, temb: temb), e2), 1e-6)
        XCTAssertThrowsError(try TimeEmbeddingNorm(name: "ada_group", key: "resnet_time_scale_shift")) { e in
            XCTAssertTrue("\(e)".contains("resnet_time_scale_shift"), "\(e)")
        }
    }
}
