import Tensors
import XCTest

final class ConvTests: XCTestCase {
    /// Direct definition of torch's conv2d, for reference.
    func naiveConv2d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride: (Int, Int), pad: (Int, Int), dil: (Int, Int), groups: Int) -> Tensor {
        let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (cout, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let oh = (h + 2 * pad.0 - dil.0 * (kh - 1) - 1) / stride.0 + 1
        let ow = (wd + 2 * pad.1 - dil.1 * (kw - 1) - 1) / stride.1 + 1
        var out = [Float](repeating: 0, count: n * cout * oh * ow)
        let xs = x.scalars, ws = w.scalars, coutG = cout / groups
        for b0 in 0..<n { for o in 0..<cout { for y in 0..<oh { for xx in 0..<ow {
            var acc = b?.scalars[o] ?? 0
            let g = o / coutG
            for c in 0..<cg { for i in 0..<kh { for j in 0..<kw {
                let iy = y * stride.0 - pad.0 + i * dil.0, ix = xx * stride.1 - pad.1 + j * dil.1
                if iy >= 0 && iy < h && ix >= 0 && ix < wd {
                    acc += xs[((b0 * cin + g * cg + c) * h + iy) * wd + ix] * ws[((o * cg + c) * kh + i) * kw + j]
                }
            } } }
            out[((b0 * cout + o) * oh + y) * ow + xx] = acc
        } } } }
        return Tensor(shape: [n, cout, oh, ow], data: out)
    }

    func testConv2dMatchesDefinition() throws {
        for (stride, pad, dil, groups) in [((1, 1), (1, 1), (1, 1), 1), ((2, 1), (0, 2), (1, 2), 2), ((1, 1), (0, 0), (1, 1), 1)] {
            let x = Check.random([2, 4, 7, 6], seed: 1)
            let w = Check.random([6, 4 / groups, pad.0 == 0 && pad.1 == 0 && stride.0 == 1 ? 1 : 3, 3], seed: 2)
            let b = Check.random([6], seed: 3)
            let y = try Tensor.conv2d(x, weight: w, bias: b, stride: stride, padding: pad, dilation: dil, groups: groups)
            let ref = naiveConv2d(x, w, b, stride: stride, pad: pad, dil: dil, groups: groups)
            XCTAssertEqual(y.shape, ref.shape)
            Check.close(y.scalars, ref.scalars)
        }
    }

    /// Both forward paths (oneDNN and the engine's column tiles) on odd shapes, batch 1 and 3, strides,
    /// dilation, 1x1 and a plane wide enough to be tiled, on one and two threads.
    func testForwardPathsMatchDefinitionOnOddShapes() throws {
        let saved = (Runtime.useDNNL, Runtime.threadCount)
        defer { Runtime.useDNNL = saved.0; Runtime.setThreadCount(saved.1) }
        let cases: [([Int], [Int], (Int, Int), (Int, Int), (Int, Int))] = [
            ([1, 3, 9, 7], [5, 3, 3, 3], (1, 1), (1, 1), (1, 1)),
            ([3, 4, 11, 5], [6, 4, 3, 2], (2, 1), (1, 0), (1, 2)),
            ([3, 5, 6, 9], [7, 5, 1, 1], (1, 1), (0, 0), (1, 1)),
            ([1, 40, 70, 33], [9, 40, 3, 3], (1, 1), (1, 1), (1, 1)),  // 360 x 2310 columns: tiled
            ([1, 6, 1, 300], [4, 6, 1, 7], (1, 1), (0, 9), (1, 3)),    // a dilated conv1d, as HiFi-GAN's
            // Rows longer than oneDNN's row tile (16,384 outputs): three tiles, the last short, padding at both ends.
            ([2, 6, 1, 40000], [4, 6, 1, 7], (1, 1), (0, 27), (1, 9)), // Oobleck's dilation-9 unit at audio rate
            ([1, 3, 1, 50001], [5, 3, 1, 4], (1, 2), (0, 1), (1, 1)),  // strided: 25,000 outputs
        ]
        for (xs, ws, stride, pad, dil) in cases {
            let x = Check.random(xs, seed: 11), w = Check.random(ws, seed: 12), b = Check.random([ws[0]], seed: 13)
            let ref = naiveConv2d(x, w, b, stride: stride, pad: pad, dil: dil, groups: 1)
            for dnnl in [true, false] {
                for threads in [1, 2] {
                    Runtime.useDNNL = dnnl && saved.0
                    Runtime.setThreadCount(threads)
                    let y = try Tensor.conv2d(x, weight: w, bias: b, stride: stride, padding: pad, dilation: dil)
                    XCTAssertEqual(y.shape, ref.shape)
                    Check.close(y.scalars, ref.scalars, tol: 2e-5, "\(xs) \(ws) dnnl \(dnnl) threads \(threads)")
                    let nb = try Tensor.conv2d(x, weight: w, stride: stride, padding: pad, dilation: dil)
                    let refNoBias = naiveConv2d(x, w, nil, stride: stride, pad: pad, dil: dil, groups: 1)
                    Check.close(nb.scalars, refNoBias.scalars, tol: 2e-5, "no bias \(xs)")
                }
            }
        }
    }

    /// An image's output does not depend on the other images of its batch (one image per oneDNN call).
    func testBatchPositionDoesNotChangeAnOutput() throws {
        let x = Check.random([3, 8, 12, 10], seed: 21), w = Check.random([16, 8, 3, 3], seed: 22)
        let all = try Tensor.conv2d(x, weight: w, padding: (1, 1))
        let one = try Tensor.conv2d(x.slice(axis: 0, start: 2, end: 3), weight: w, padding: (1, 1))
        XCTAssertEqual(try all.slice(axis: 0, start: 2, end: 3).scalars, one.scalars)
    }

    func testPointwiseConvUsesInputDirectly() throws {
        let x = Check.random([2, 3, 4, 5], seed: 4), w = Check.random([2, 3, 1, 1], seed: 5)
        let y = try Tensor.conv2d(x, weight: w)
        Check.close(y.scalars, naiveConv2d(x, w, nil, stride: (1, 1), pad: (0, 0), dil: (1, 1), groups: 1).scalars)
    }

    func testConvTransposeIsAdjointOfConv() throws {
        // <conv(x), y> == <x, convT(y)> for the same weight and geometry.
        let x = Check.random([1, 3, 8, 8], seed: 6), w = Check.random([4, 3, 3, 3], seed: 7)
        let y = try Tensor.conv2d(x, weight: w, stride: (2, 2), padding: (1, 1))
        let r = Check.random(y.shape, seed: 8)
        let lhs = try (y * r).sum().item
        let xt = try Tensor.convTranspose2d(r, weight: w, stride: (2, 2), padding: (1, 1), outputPadding: (1, 1))
        XCTAssertEqual(xt.shape, x.shape)
        XCTAssertEqual(lhs, try (x * xt).sum().item, accuracy: 1e-3 * abs(lhs) + 1e-3)
    }

    func testConv1dAndTranspose1dShapes() throws {
        let x = Check.random([2, 3, 20], seed: 9)
        let y = try Tensor.conv1d(x, weight: Check.random([5, 3, 7], seed: 10), padding: 3, dilation: 1)
        XCTAssertEqual(y.shape, [2, 5, 20])
        let u = try Tensor.convTranspose1d(y, weight: Check.random([5, 2, 16], seed: 11), stride: 8, padding: 4)
        XCTAssertEqual(u.shape, [2, 2, 160])
    }

    func testConvGradients() throws {
        try Check.gradients([Check.random([2, 4, 5, 5], seed: 12), Check.random([4, 2, 3, 3], seed: 13), Check.random([4], seed: 14)]) {
            try Tensor.conv2d($0[0], weight: $0[1], bias: $0[2], stride: (2, 1), padding: (1, 1), groups: 2)
        }
        try Check.gradients([Check.random([1, 3, 4, 4], seed: 15), Check.random([2, 3, 1, 1], seed: 16)]) {
            try Tensor.conv2d($0[0], weight: $0[1])
        }
        try Check.gradients([Check.random([1, 2, 3, 4], seed: 17), Check.random([2, 3, 3, 3], seed: 18), Check.random([3], seed: 19)]) {
            try Tensor.convTranspose2d($0[0], weight: $0[1], bias: $0[2], stride: (2, 2), padding: (1, 1))
        }
        try Check.gradients([Check.random([1, 2, 9], seed: 20), Check.random([3, 2, 3], seed: 21)]) {
            try Tensor.conv1d($0[0], weight: $0[1], padding: 2, dilation: 2)
        }
    }
}
