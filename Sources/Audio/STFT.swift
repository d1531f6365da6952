import CKissFFT
import Foundation
import Tensors

/// How `center` pads the signal's ends by n_fft / 2.
public enum PadMode: String, Sendable {
    /// Mirror without repeating the edge sample (numpy/torch "reflect"); torch.stft's default and AudioLDM's.
    case reflect
    /// Zeros (librosa >= 0.10's default).
    case constant
}

/// STFT parameters, named and defaulted as torch.stft / librosa.stft (AudioLDM's 16 kHz setup).
public struct STFTConfig: Equatable, Sendable {
    public var nFFT: Int
    public var hopLength: Int
    public var winLength: Int
    public var window: Window
    public var center: Bool
    public var padMode: PadMode

    public init(nFFT: Int = 1024, hopLength: Int = 160, winLength: Int? = nil, window: Window = .hann,
                center: Bool = true, padMode: PadMode = .reflect) {
        self.nFFT = nFFT
        self.hopLength = hopLength
        self.winLength = winLength ?? nFFT
        self.window = window
        self.center = center
        self.padMode = padMode
    }

    /// Frequency bins of the one-sided spectrum.
    public var bins: Int { nFFT / 2 + 1 }

    /// Frames an STFT of `samples` samples produces.
    public func frameCount(samples: Int) -> Int {
        center ? 1 + samples / hopLength : (samples < nFFT ? 0 : 1 + (samples - nFFT) / hopLength)
    }
}

/// Short-time Fourier transform and its inverse on KissFFT's real transform, frames spread over threads.
public final class STFT: @unchecked Sendable {  // immutable after init
    public let config: STFTConfig
    /// The analysis window, zero-padded and centred to n_fft.
    public let window: [Float]

    public init(_ config: STFTConfig = STFTConfig()) throws {
        // kiss_fftr only supports even sizes.
        guard config.nFFT >= 2, config.nFFT % 2 == 0 else {
            throw AudioError.invalidArgument("nFFT", "expected an even size >= 2 (kiss_fftr), got \(config.nFFT)")
        }
        guard config.hopLength > 0 else {
            throw AudioError.invalidArgument("hopLength", "expected a positive hop, got \(config.hopLength)")
        }
        guard config.winLength > 0, config.winLength <= config.nFFT else {
            throw AudioError.invalidArgument("winLength", "expected 1...\(config.nFFT) (n_fft), got \(config.winLength)")
        }
        self.config = config
        window = config.window.values(length: config.winLength, paddedTo: config.nFFT)
    }

    /// The complex STFT of a mono signal, frames x bins.
    public func forward(_ signal: [Float]) throws -> ComplexSpectrogram {
        let n = config.nFFT, bins = config.bins, hop = config.hopLength
        let frames = config.frameCount(samples: signal.count)
        if signal.isEmpty || frames == 0 {
            throw AudioError.invalidArgument(
                "signal", "expected at least \(config.center ? 1 : n) samples for n_fft \(n), got \(signal.count)")
        }
        let offset = config.center ? n / 2 : 0
        let reflect = config.padMode == .reflect
        var real = [Float](repeating: 0, count: frames * bins)
        var imag = [Float](repeating: 0, count: frames * bins)
        let count = signal.count
        try signal.withUnsafeBufferPointer { x in
            try window.withUnsafeBufferPointer { w in
                try real.withUnsafeMutableBufferPointer { re in
                    try imag.withUnsafeMutableBufferPointer { im in
                        try Self.forEachFrameRange(frames, n: n, inverse: false) { cfg, lo, hi in
                            var frame = [Float](repeating: 0, count: n)
                            var spec = [kiss_fft_cpx](repeating: kiss_fft_cpx(), count: bins)
                            for f in lo..<hi {
                                let start = f * hop - offset
                                if start >= 0 && start + n <= count {
                                    for k in 0..<n { frame[k] = x[start + k] * w[k] }
                                } else {
                                    for k in 0..<n {
                                        let i = start + k
                                        let v: Float
                                        if i >= 0 && i < count { v = x[i] }
                                        else if reflect { v = x[Self.reflectIndex(i, count)] }
                                        else { v = 0 }
                                        frame[k] = v * w[k]
                                    }
                                }
                                kiss_fftr(cfg, frame, &spec)
                                for b in 0..<bins {
                                    re[f * bins + b] = spec[b].r
                                    im[f * bins + b] = spec[b].i
                                }
                            }
                        }
                    }
                }
            }
        }
        return ComplexSpectrogram(unchecked: real, imag: imag, frames: frames, bins: bins)
    }

    /// |STFT| of a mono signal, frames x bins.
    public func magnitude(_ signal: [Float]) throws -> Spectrogram {
        try forward(signal).magnitude
    }

    /// The inverse STFT as torch.istft: overlap-add of windowed inverse frames divided by the summed
    /// squared window (positions where that sum is below 1e-11 are left undivided, as librosa does,
    /// instead of failing as torch does).
    /// - Parameter length: trim or zero-pad the output to exactly this many samples; by default
    ///   `hop * (frames - 1)` when centred (the length the forward transform started from, up to hop).
    public func inverse(_ spec: ComplexSpectrogram, length: Int? = nil) throws -> [Float] {
        let n = config.nFFT, hop = config.hopLength, bins = config.bins
        guard spec.bins == bins else {
            throw AudioError.invalidArgument("spec", "expected \(bins) bins for n_fft \(n), got \(spec.bins)")
        }
        guard spec.frames > 0 else { throw AudioError.invalidArgument("spec", "expected at least 1 frame, got 0") }
        if let length, length < 0 { throw AudioError.invalidArgument("length", "expected >= 0, got \(length)") }
        let frames = spec.frames
        // Each frame's windowed inverse goes to its own row, so the threads never write the same memory;
        // the overlap-add afterwards is a cheap serial pass.
        var rows = [Float](repeating: 0, count: frames * n)
        let scale = 1 / Float(n)  // kiss_fftri is unnormalised
        try spec.real.withUnsafeBufferPointer { re in
            try spec.imag.withUnsafeBufferPointer { im in
                try window.withUnsafeBufferPointer { w in
                    try rows.withUnsafeMutableBufferPointer { out in
                        try Self.forEachFrameRange(frames, n: n, inverse: true) { cfg, lo, hi in
                            var cpx = [kiss_fft_cpx](repeating: kiss_fft_cpx(), count: bins)
                            var time = [Float](repeating: 0, count: n)
                            for f in lo..<hi {
                                for b in 0..<bins { cpx[b] = kiss_fft_cpx(r: re[f * bins + b], i: im[f * bins + b]) }
                                kiss_fftri(cfg, cpx, &time)
                                for k in 0..<n { out[f * n + k] = time[k] * scale * w[k] }
                            }
                        }
                    }
                }
            }
        }
        let full = n + hop * (frames - 1)
        var y = [Float](repeating: 0, count: full)
        var envelope = [Float](repeating: 0, count: full)
        let wsq = window.map { $0 * $0 }
        for f in 0..<frames {
            let base = f * hop
            for k in 0..<n {
                y[base + k] += rows[f * n + k]
                envelope[base + k] += wsq[k]
            }
        }
        let start = config.center ? n / 2 : 0
        let natural = config.center ? full - 2 * (n / 2) : full
        let outLength = length ?? natural
        var out = [Float](repeating: 0, count: outLength)
        for i in 0..<min(outLength, full - start) {
            let e = envelope[start + i]
            out[i] = e > 1e-11 ? y[start + i] / e : y[start + i]
        }
        return out
    }

    /// Runs `body(cfg, lo, hi)` over frame ranges on the worker threads.
    ///
    /// Each range gets its own kiss_fftr configuration: kiss_fftr keeps a scratch buffer inside the
    /// cfg (`tmpbuf`), so one cfg shared between threads would race.
    static func forEachFrameRange(_ frames: Int, n: Int, inverse: Bool,
                                  _ body: (kiss_fftr_cfg, Int, Int) -> Void) throws {
        var failed = false
        let lock = NSLock()
        Runtime.parallelRanges(frames, minChunk: 8) { lo, hi in
            guard let cfg = kiss_fftr_alloc(Int32(n), inverse ? 1 : 0, nil, nil) else {
                lock.withLock { failed = true }
                return
            }
            defer { free(UnsafeMutableRawPointer(cfg)) }  // kiss_fftr_free is a macro for free()
            body(cfg, lo, hi)
        }
        if failed { throw AudioError.library("KissFFT", "kiss_fftr_alloc(\(n)) failed (out of memory?)") }
    }

    /// numpy/torch "reflect" index for any i, folding repeatedly when the pad exceeds the signal.
    @inline(__always)
    static func reflectIndex(_ i: Int, _ count: Int) -> Int {
        if count == 1 { return 0 }
        let period = 2 * (count - 1)
        var j = i % period
        if j < 0 { j += period }
        return j < count ? j : period - j
    }
}
