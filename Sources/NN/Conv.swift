import Tensors

/// 2-D convolution (nn.Conv2d).
public final class Conv2d: Module {
    public let stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int
    public var weight: Tensor { param("weight")! }
    public var bias: Tensor? { param("bias") }

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true) {
        self.stride = (stride, stride)
        self.padding = (padding, padding)
        self.dilation = (dilation, dilation)
        self.groups = groups
        super.init()
        let fanIn = inChannels / groups * kernelSize * kernelSize
        parameter("weight", Init.kaimingUniform([outChannels, inChannels / groups, kernelSize, kernelSize], fanIn: fanIn))
        if bias { parameter("bias", Init.kaimingUniform([outChannels], fanIn: fanIn)) }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Tensor.conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    public override var summary: String {
        let w = weight.shape
        return "Conv2d(\(w[1] * groups) -> \(w[0]), kernel \(w[2])x\(w[3]), stride \(stride.0), padding \(padding.0))"
    }
}

/// 1-D convolution (nn.Conv1d).
public final class Conv1d: Module {
    public let stride: Int, padding: Int, dilation: Int, groups: Int
    public var weight: Tensor { param("weight")! }
    public var bias: Tensor? { param("bias") }

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true) {
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        super.init()
        let fanIn = inChannels / groups * kernelSize
        parameter("weight", Init.kaimingUniform([outChannels, inChannels / groups, kernelSize], fanIn: fanIn))
        if bias { parameter("bias", Init.kaimingUniform([outChannels], fanIn: fanIn)) }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Tensor.conv1d(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    public override var summary: String { "Conv1d(\(weight.shape[1] * groups) -> \(weight.shape[0]), kernel \(weight.shape[2]))" }
}

/// Transposed 2-D convolution (nn.ConvTranspose2d); weight is [in, out/groups, kh, kw].
public final class ConvTranspose2d: Module {
    public let stride: (Int, Int), padding: (Int, Int), outputPadding: (Int, Int), groups: Int
    public var weight: Tensor { param("weight")! }
    public var bias: Tensor? { param("bias") }

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                outputPadding: Int = 0, groups: Int = 1, bias: Bool = true) {
        self.stride = (stride, stride)
        self.padding = (padding, padding)
        self.outputPadding = (outputPadding, outputPadding)
        self.groups = groups
        super.init()
        // torch computes fan_in from weight dim 1 (out/groups) for transposed convs.
        let fanIn = outChannels / groups * kernelSize * kernelSize
        parameter("weight", Init.kaimingUniform([inChannels, outChannels / groups, kernelSize, kernelSize], fanIn: fanIn))
        if bias { parameter("bias", Init.kaimingUniform([outChannels], fanIn: fanIn)) }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Tensor.convTranspose2d(x, weight: weight, bias: bias, stride: stride, padding: padding,
                                   outputPadding: outputPadding, groups: groups)
    }

    public override var summary: String { "ConvTranspose2d(\(weight.shape[0]) -> \(weight.shape[1] * groups), kernel \(weight.shape[2]))" }
}

/// Transposed 1-D convolution (nn.ConvTranspose1d); weight is [in, out/groups, k].
public final class ConvTranspose1d: Module {
    public let stride: Int, padding: Int, outputPadding: Int, groups: Int
    public var weight: Tensor { param("weight")! }
    public var bias: Tensor? { param("bias") }

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                outputPadding: Int = 0, groups: Int = 1, bias: Bool = true) {
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.groups = groups
        super.init()
        let fanIn = outChannels / groups * kernelSize
        parameter("weight", Init.kaimingUniform([inChannels, outChannels / groups, kernelSize], fanIn: fanIn))
        if bias { parameter("bias", Init.kaimingUniform([outChannels], fanIn: fanIn)) }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Tensor.convTranspose1d(x, weight: weight, bias: bias, stride: stride, padding: padding,
                                   outputPadding: outputPadding, groups: groups)
    }

    public override var summary: String { "ConvTranspose1d(\(weight.shape[0]) -> \(weight.shape[1] * groups), kernel \(weight.shape[2]))" }
}
