import Foundation

/// How a spectrogram picture maps levels to colours.
public enum SpectrogramScale: String, CaseIterable, Sendable {
    /// A fixed dB range below full scale (librosa's specshow with ref=1.0 and fixed vmin/vmax): a quiet clip looks
    /// quiet and two pictures compare by colour. The default.
    case fixed
    /// From the clip's own quietest to loudest value: shows the shape of anything, however faint.
    case auto
}

extension LogMel {
    /// The log-mel values (ln of mel magnitudes) a fixed scale colours: from `decibels` below full scale up to full
    /// scale, which is the loudest band of a full-scale sine at 1 kHz (or mid-band, for a mel range that does not
    /// reach 1 kHz). A log-mel has no absolute unit of its own (the STFT and mel weights scale it), so full scale is
    /// measured through this very front end rather than assumed.
    public func fullScaleRange(decibels: Float = 80) throws -> ClosedRange<Float> {
        let rate = Double(filterbank.sampleRate)
        let hz = filterbank.fMax >= 1000 && filterbank.fMin <= 1000 ? 1000 : (filterbank.fMin + filterbank.fMax) / 2
        let n = stft.config.nFFT * 4
        let sine = (0..<n).map { Float(sin(2 * Double.pi * hz * Double($0) / rate)) }
        let top = try self(sine).values.max() ?? 0
        // ln(magnitude) per dB: 20 log10(m) = (20 / ln 10) ln(m).
        return (top - decibels * Float(log(10.0)) / 20)...top
    }
}
