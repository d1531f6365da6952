import Foundation
import NN
import Tensors

/// Oobleck's residual unit: x + conv2(snake2(conv1(snake1(x)))), conv1 a dilated width-7 convolution, conv2 1x1.
public final class OobleckResidualUnit: Module {
    public let snake1: Snake1d, conv1: Conv1d, snake2: Snake1d, conv2: Conv1d

    public init(dimension: Int, dilation: Int) {
        snake1 = Snake1d(dimension)
        conv1 = Conv1d(dimension, dimension, kernelSize: 7, padding: (7 - 1) * dilation / 2, dilation: dilation)
        snake2 = Snake1d(dimension)
        conv2 = Conv1d(dimension, dimension, kernelSize: 1)
        super.init()
        child("snake1", snake1)
        child("conv1", conv1)
        child("snake2", snake2)
        child("conv2", conv2)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        let y = try conv2(snake2(conv1(snake1(x))))
        // Same-length padding keeps the lengths equal; the reference crops x symmetrically if they ever differ.
        let crop = (x.shape[2] - y.shape[2]) / 2
        let skip = crop > 0 ? try x.slice(axis: 2, start: crop, end: x.shape[2] - crop) : x
        return try skip + y
    }
}

/// Three residual units (dilations 1, 3, 9), Snake, then a strided convolution down by `stride`.
public final class OobleckEncoderBlock: Module {
    public let resUnits: [OobleckResidualUnit]
    public let snake1: Snake1d, conv1: Conv1d

    public init(inputDim: Int, outputDim: Int, stride: Int) {
        resUnits = [1, 3, 9].map { OobleckResidualUnit(dimension: inputDim, dilation: $0) }
        snake1 = Snake1d(inputDim)
        conv1 = Conv1d(inputDim, outputDim, kernelSize: 2 * stride, stride: stride, padding: (stride + 1) / 2)
        super.init()
        for (i, u) in resUnits.enumerated() { child("res_unit\(i + 1)", u) }
        child("snake1", snake1)
        child("conv1", conv1)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        var h = x
        for u in resUnits { h = try u(h) }
        return try conv1(snake1(h))
    }
}

/// Snake, a transposed convolution up by `stride`, then three residual units (dilations 1, 3, 9).
public final class OobleckDecoderBlock: Module {
    public let snake1: Snake1d, convT1: ConvTranspose1d
    public let resUnits: [OobleckResidualUnit]

    public init(inputDim: Int, outputDim: Int, stride: Int) {
        snake1 = Snake1d(inputDim)
        convT1 = ConvTranspose1d(inputDim, outputDim, kernelSize: 2 * stride, stride: stride, padding: (stride + 1) / 2)
        resUnits = [1, 3, 9].map { OobleckResidualUnit(dimension: outputDim, dilation: $0) }
        super.init()
        child("snake1", snake1)
        child("conv_t1", convT1)
        for (i, u) in resUnits.enumerated() { child("res_unit\(i + 1)", u) }
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        var h = try convT1(snake1(x))
        for u in resUnits { h = try u(h) }
        return h
    }
}

/// Waveform [B, audio_channels, L] -> [B, encoder_hidden_size, L / hop]: the posterior's mean and scale, stacked.
public final class OobleckEncoder: Module {
    public let conv1: Conv1d, blocks: ModuleList<OobleckEncoderBlock>, snake1: Snake1d, conv2: Conv1d

    public init(_ c: AutoencoderOobleckConfig) {
        let mult = [1] + c.channelMultiples, hidden = c.encoderHiddenSize
        conv1 = Conv1d(c.audioChannels, hidden, kernelSize: 7, padding: 3)
        blocks = ModuleList(c.downsamplingRatios.enumerated().map { i, stride in
            OobleckEncoderBlock(inputDim: hidden * mult[i], outputDim: hidden * mult[i + 1], stride: stride)
        })
        snake1 = Snake1d(hidden * mult[mult.count - 1])
        conv2 = Conv1d(hidden * mult[mult.count - 1], hidden, kernelSize: 3, padding: 1)
        super.init()
        child("conv1", conv1)
        child("block", blocks)
        child("snake1", snake1)
        child("conv2", conv2)
    }

    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        var h = try conv1(x)
        for b in blocks.items { h = try b(h) }
        return try conv2(snake1(h))
    }
}

/// Latents [B, decoder_input_channels, T] -> waveform [B, audio_channels, T * hop].
public final class OobleckDecoder: Module {
    public let conv1: Conv1d, blocks: ModuleList<OobleckDecoderBlock>, snake1: Snake1d, conv2: Conv1d

    public init(_ c: AutoencoderOobleckConfig) {
        let mult = [1] + c.channelMultiples, ch = c.decoderChannels, n = c.downsamplingRatios.count
        conv1 = Conv1d(c.decoderInputChannels, ch * mult[n], kernelSize: 7, padding: 3)
        blocks = ModuleList(c.downsamplingRatios.reversed().enumerated().map { i, stride in
            OobleckDecoderBlock(inputDim: ch * mult[n - i], outputDim: ch * mult[n - i - 1], stride: stride)
        })
        snake1 = Snake1d(ch)
        conv2 = Conv1d(ch, c.audioChannels, kernelSize: 7, padding: 3, bias: false)
        super.init()
        child("conv1", conv1)
        child("block", blocks)
        child("snake1", snake1)
        child("conv2", conv2)
    }

    public func callAsFunction(_ z: Tensor) throws -> Tensor {
        var h = try conv1(z)
        for b in blocks.items {
            h = try b(h)
            // Every block works at a new length: the pooled buffers of the last one would never be taken again and
            // only add to the peak (several GB of them at 10 s of audio).
            Tensor.releaseIdleBuffers()
        }
        return try conv2(snake1(h))
    }
}
