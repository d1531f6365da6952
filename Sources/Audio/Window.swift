import Foundation

/// An analysis window; always the periodic ("fftbins=True") form, as torch.hann_window and librosa use for STFTs.
public enum Window: String, CaseIterable, Codable, Sendable {
    case hann, hamming

    /// `length` window values. Periodic: the denominator is `length`, not `length - 1`, so
    /// overlapping copies at hop length / 4 sum to a constant (what perfect iSTFT reconstruction needs).
    public func values(length: Int) -> [Float] {
        // Computed in Double so the float32 result rounds like torch's and numpy's tables.
        let n = Double(length)
        return (0..<length).map { i in
            let c = cos(2 * Double.pi * Double(i) / n)
            switch self {
            case .hann: return Float(0.5 - 0.5 * c)
            case .hamming: return Float(0.54 - 0.46 * c)
            }
        }
    }

    /// The window of `length` centred in `size` zeros, as librosa.util.pad_center and torch.stft place
    /// a win_length window inside n_fft (left pad (size - length) / 2, rounded down).
    public func values(length: Int, paddedTo size: Int) -> [Float] {
        precondition(length <= size, "window length \(length) exceeds \(size)")
        var out = [Float](repeating: 0, count: size)
        let left = (size - length) / 2
        for (i, v) in values(length: length).enumerated() { out[left + i] = v }
        return out
    }
}
