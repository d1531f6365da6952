import CSoxr
import Tensors

/// soxr's quality recipes, from cubic interpolation to 28-bit precision.
public enum ResampleQuality: String, CaseIterable, Sendable {
    case quick, low, medium, high, veryHigh

    var recipe: UInt {
        switch self {
        case .quick: return UInt(SOXR_QQ)
        case .low: return UInt(SOXR_LQ)
        case .medium: return UInt(SOXR_MQ)
        case .high: return UInt(SOXR_20_BITQ)  // SOXR_HQ
        case .veryHigh: return UInt(SOXR_28_BITQ)  // SOXR_VHQ
        }
    }
}

/// Sample-rate conversion with libsoxr's one-shot API.
public enum Resample {
    /// Resamples interleaved float32 frames from `from` Hz to `to` Hz.
    ///
    /// The output holds round(frames * to / from) frames, the length python-soxr and librosa return,
    /// so a 16k -> 44.1k -> 16k round trip keeps its length.
    /// - Parameter quality: soxr recipe; defaults to `.high` (SOXR_HQ, 20-bit), as python-soxr does.
    public static func resample(_ samples: [Float], from: Int, to: Int, channels: Int = 1,
                                quality: ResampleQuality = .high) throws -> [Float] {
        let rates = AudioBuffer.sampleRates
        guard rates.contains(from) else { throw AudioError.invalidArgument("from", "sample rate \(from) Hz is out of range (expected \(rates.lowerBound)...\(rates.upperBound) Hz)") }
        guard rates.contains(to) else { throw AudioError.invalidArgument("to", "sample rate \(to) Hz is out of range (expected \(rates.lowerBound)...\(rates.upperBound) Hz)") }
        guard channels > 0 else { throw AudioError.invalidArgument("channels", "expected at least 1, got \(channels)") }
        guard samples.count % channels == 0 else {
            throw AudioError.invalidArgument("samples", "expected a multiple of \(channels) channels, got \(samples.count)")
        }
        let frames = samples.count / channels
        if from == to || frames == 0 { return samples }
        let outFrames = Int((Double(frames) * Double(to) / Double(from)).rounded())
        _ = try Tensor.checkedCount(of: [outFrames, channels])   // outOfMemory names the size past the machine's memory
        var output = [Float](repeating: 0, count: outFrames * channels)
        // soxr_oneshot's default spec is LQ, so the quality is always passed explicitly.
        var spec = soxr_quality_spec(quality.recipe, 0)
        var done = 0
        let err = samples.withUnsafeBufferPointer { inp in
            output.withUnsafeMutableBufferPointer { out in
                soxr_oneshot(Double(from), Double(to), UInt32(channels), inp.baseAddress, frames, nil,
                             out.baseAddress, outFrames, &done, nil, &spec, nil)
            }
        }
        if let err {
            throw AudioError.library("soxr", "resampling \(from) Hz -> \(to) Hz failed: " + String(cString: err))
        }
        // If soxr delivers fewer than the rounded length (`done`), the missing tail stays zero.
        return output
    }
}

extension AudioBuffer {
    /// This buffer at another sample rate, every channel resampled together.
    public func resampled(to rate: Int, quality: ResampleQuality = .high) throws -> AudioBuffer {
        let out = try Resample.resample(samples, from: sampleRate, to: rate, channels: channels, quality: quality)
        return AudioBuffer(unchecked: out, sampleRate: rate, channels: channels)
    }
}
