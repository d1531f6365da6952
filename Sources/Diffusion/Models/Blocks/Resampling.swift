import NN
import Tensors

/// diffusers' Downsample2D: a stride-2 3x3 conv (`padding` 1, or 0 with an asymmetric (0,1,0,1) zero pad
/// first, as the VAE encoder uses), or 2x2 average pooling without a conv.
public final class Downsample2D: Module {
    public let channels: Int, outChannels: Int, padding: Int
    public let conv: Conv2d?

    public init(channels: Int, useConv: Bool = true, outChannels: Int? = nil, padding: Int = 1, kernelSize: Int = 3,
                bias: Bool = true) {
        self.channels = channels
        self.outChannels = outChannels ?? channels
        self.padding = padding
        conv = useConv ? Conv2d(channels, outChannels ?? channels, kernelSize: kernelSize, stride: 2, padding: padding, bias: bias) : nil
        super.init()
        if let conv { child("conv", conv) }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let layer = beginLayer()
        defer { layer.end() }
        guard let conv else { return try x.avgPool2d(kernel: (2, 2)) }
        let h = padding == 0 ? try x.pad([0, 1, 0, 1]) : x
        return try conv(h)
    }
}

/// diffusers' Upsample2D: nearest-neighbour x2 (or to an explicit size) then an optional 3x3 conv.
public final class Upsample2D: Module {
    public let channels: Int, outChannels: Int
    public let conv: Conv2d?

    public init(channels: Int, useConv: Bool = true, outChannels: Int? = nil, kernelSize: Int = 3, padding: Int = 1,
                bias: Bool = true) {
        self.channels = channels
        self.outChannels = outChannels ?? channels
        conv = useConv ? Conv2d(channels, outChannels ?? channels, kernelSize: kernelSize, padding: padding, bias: bias) : nil
        super.init()
        if let conv { child("conv", conv) }
    }

    /// `outputSize` forces the interpolated (height, width) as F.interpolate(size=...) does.
    public func callAsFunction(_ x: Tensor, outputSize: (Int, Int)? = nil) throws -> Tensor {
        let layer = beginLayer()
        defer { layer.end() }
        var h: Tensor
        if let (oh, ow) = outputSize, oh != 2 * x.shape[2] || ow != 2 * x.shape[3] {
            h = try Upsample2D.nearest(x, height: oh, width: ow)
        } else {
            h = try x.upsampleNearest2d(scale: (2, 2))
        }
        if let conv { h = try conv(h) }
        return h
    }

    /// Nearest-neighbour resize of [N, C, H, W] to an arbitrary size (torch's "nearest": src = floor(dst * in / out)).
    static func nearest(_ x: Tensor, height oh: Int, width ow: Int) throws -> Tensor {
        let (h, w) = (x.shape[2], x.shape[3])
        let rows = (0..<oh).map { Swift.min(h - 1, Int(Double($0) * Double(h) / Double(oh))) }
        let cols = (0..<ow).map { Swift.min(w - 1, Int(Double($0) * Double(w) / Double(ow))) }
        return try x.indexSelect(axis: 2, rows).indexSelect(axis: 3, cols)
    }
}
