/// Perceptually uniform colour maps for spectrogram images.
///
/// Degree-6 polynomial fits to matplotlib's viridis and magma (coefficients by Matt Zucker, CC0,
/// fitted to BIDS/colormap's tables for minimum maximum error): a few dozen numbers instead of a
/// 256-row table, within about 2% (at most ~5 of 255 levels) of the originals.
public enum Colormap: String, CaseIterable, Sendable {
    case viridis, magma

    /// Coefficients c0...c6 per channel (r, g, b) of c0 + c1 t + ... + c6 t^6.
    private var coefficients: [(Double, Double, Double)] {
        switch self {
        case .viridis:
            return [(0.2777273272234177, 0.005407344544966578, 0.3340998053353061),
                    (0.1050930431085774, 1.404613529898575, 1.384590162594685),
                    (-0.3308618287255563, 0.214847559468213, 0.09509516302823659),
                    (-4.634230498983486, -5.799100973351585, -19.33244095627987),
                    (6.228269936347081, 14.17993336680509, 56.69055260068105),
                    (4.776384997670288, -13.74514537774601, -65.35303263337234),
                    (-5.435455855934631, 4.645852612178535, 26.3124352495832)]
        case .magma:
            return [(-0.002136485053939582, -0.000749655052795221, -0.005386127855323933),
                    (0.2516605407371642, 0.6775232436837668, 2.494026599312351),
                    (8.353717279216625, -3.577719514958484, 0.3144679030132573),
                    (-27.66873308576866, 14.26473078096533, -13.64921318813922),
                    (52.17613981234068, -27.94360607168351, 12.94416944238394),
                    (-50.76852536473588, 29.04658282127291, 4.23415299384598),
                    (18.65570506591883, -11.48977351997711, -5.601961508734096)]
        }
    }

    /// The colour at `t` in [0, 1] (clamped) as 8-bit RGB.
    public func rgb(_ t: Double) -> (UInt8, UInt8, UInt8) {
        let t = t.isNaN ? 0 : min(1, max(0, t))
        var r = 0.0, g = 0.0, b = 0.0
        // Horner's rule, highest power first.
        for c in coefficients.reversed() {
            r = r * t + c.0
            g = g * t + c.1
            b = b * t + c.2
        }
        func byte(_ v: Double) -> UInt8 { UInt8(min(255, max(0, (v * 255).rounded()))) }
        return (byte(r), byte(g), byte(b))
    }

    /// 256 RGB triples (768 bytes), so rendering indexes a table instead of evaluating polynomials.
    public var table: [UInt8] {
        (0..<256).flatMap { i -> [UInt8] in
            let (r, g, b) = rgb(Double(i) / 255)
            return [r, g, b]
        }
    }
}
