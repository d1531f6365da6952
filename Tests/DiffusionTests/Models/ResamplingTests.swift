import Diffusion
import Foundation
import NN
import Tensors
import XCTest

final class ResamplingTests: XCTestCase {
    /// A 1-channel strided conv whose only non-zero tap is the kernel's top-left corner.
    func topLeftTap(_ d: Downsample2D) throws {
        let w = Tensor.zeros([1, 1, 3, 3])
        w.pointer[0] = 1
        try d.conv!.weight.assign(w)
        try d.conv!.bias!.assign(Tensor.zeros([1]))
    }

    func testDownsamplePaddingVariants() throws {
        let x = Tensor(shape: [1, 1, 4, 4], data: (1...16).map(Float.init))
        // padding 0 + (0,1,0,1) pad (the VAE encoder): taps start at (0, 0).
        let vae = Downsample2D(channels: 1, padding: 0)
        try topLeftTap(vae)
        let a = try vae(x)
        XCTAssertEqual(a.shape, [1, 1, 2, 2])
        XCTAssertEqual(a.scalars, [1, 3, 9, 11])
        // padding 1 (the UNet): taps start at (-1, -1), which is zero padding.
        let unet = Downsample2D(channels: 1, padding: 1)
        try topLeftTap(unet)
        XCTAssertEqual(try unet(x).scalars, [0, 0, 0, 6])
        XCTAssertEqual(Set(unet.stateDict().keys), ["conv.weight", "conv.bias"])
        // Without a conv: 2x2 average pooling.
        XCTAssertEqual(try Downsample2D(channels: 1, useConv: false)(x).scalars, [3.5, 5.5, 11.5, 13.5])
        // Odd sizes: the padded-right variant floors (n / 2), padding 1 gives ceil(n / 2).
        XCTAssertEqual(try vae(Tensor.zeros([1, 1, 5, 7])).shape, [1, 1, 2, 3])
        XCTAssertEqual(try unet(Tensor.zeros([1, 1, 5, 7])).shape, [1, 1, 3, 4])
    }

    func testUpsampleNearestAndExplicitSize() throws {
        let x = Tensor(shape: [1, 1, 2, 3], data: [1, 2, 3, 4, 5, 6])
        let up = Upsample2D(channels: 1, useConv: false)
        XCTAssertEqual(try up(x).scalars, [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6])
        // F.interpolate(size=(3, 5), mode="nearest"): rows floor(i*2/3) = 0,0,1; cols floor(j*3/5) = 0,0,1,1,2.
        let sized = try up(x, outputSize: (3, 5))
        XCTAssertEqual(sized.shape, [1, 1, 3, 5])
        XCTAssertEqual(sized.scalars, [1, 1, 2, 2, 3, 1, 1, 2, 2, 3, 4, 4, 5, 5, 6])
        let withConv = Upsample2D(channels: 2, outChannels: 3)
        XCTAssertEqual(withConv.stateDict()["conv.weight"]?.shape, [3, 2, 3, 3])
        XCTAssertEqual(try withConv(Tensor.zeros([1, 2, 3, 4])).shape, [1, 3, 6, 8])
    }
}
