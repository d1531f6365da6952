import Foundation
import Tensors

/// Generated audio is checked before anyone writes it: a non-finite value anywhere (NaN weights, a broken noise
/// schedule) is an error naming where it appeared, and an output that is all silence gets a warning.
public enum OutputCheck {
    /// Below this peak (-80 dBFS) an output counts as silent.
    public static let silencePeak: Float = 1e-4

    /// Throws if `tensor` (the latents after denoising, or the decoded log-mel) holds NaN or infinity.
    public static func requireFinite(_ tensor: Tensor, _ what: String) throws {
        let bad = tensor.withUnsafeBufferPointer { $0.firstIndex { !$0.isFinite } }
        if let bad {
            throw DiffusionError.invalidArgument("output", "the \(what) hold a non-finite value (\(tensor.pointer[bad]) at index \(bad)): "
                                                 + "the model's weights or its scheduler config give NaN or infinity")
        }
    }

    /// Throws for a non-finite sample; returns a warning for each silent output.
    public static func check(_ waveforms: [[Float]]) throws -> [String] {
        var warnings: [String] = []
        for (i, w) in waveforms.enumerated() {
            if let bad = w.firstIndex(where: { !$0.isFinite }) {
                throw DiffusionError.invalidArgument("output", "output \(i + 1) has a non-finite sample (\(w[bad]) at sample \(bad)): "
                                                     + "the model's weights or its scheduler config give NaN or infinity")
            }
            let peak = w.reduce(Float(0)) { max($0, abs($1)) }
            if peak < silencePeak {
                warnings.append("output \(i + 1) is silent (peak \(peak), below -80 dBFS): check the model and the prompt")
            }
        }
        return warnings
    }

    /// A warning for each output whose peak passes full scale (it will clip when written as 16-bit or played).
    public static func clipping(_ waveforms: [[Float]]) -> [String] {
        waveforms.enumerated().compactMap { i, w in
            let peak = w.reduce(Float(0)) { max($0, abs($1)) }
            return peak > 1 ? "output \(i + 1) clips (peak \(peak), above 0 dBFS): lower the loudness target or the guidance" : nil
        }
    }

    /// Throws if a recording given as input holds NaN or infinity (as preprocess rejects such a file).
    public static func requireFiniteInput(_ samples: [Float], _ argument: String) throws {
        if let bad = samples.firstIndex(where: { !$0.isFinite }) {
            throw DiffusionError.invalidArgument(argument, "non-finite sample (\(samples[bad])) at sample \(bad) (expected finite audio)")
        }
    }
}
