import Foundation

// Level alignment and input filtering (pesqmain.c fix_power_level and the IRS / P.862.2 input filters,
// pesqdsp.c apply_filter, DC_block, apply_filters). Float where the C code stores float, Double where
// it computes in double.

extension PESQModel {
    /// TARGET_AVG_POWER: every signal is scaled to this mean power above 300 Hz.
    static let targetPower = 1e7

    /// fix_power_level: scales the clip so its 300-3000 Hz band has the target power, the mean taken
    /// over the longer signal's length.
    func fixPowerLevel(_ signal: inout PESQSignal, _ maxCount: Int) {
        let n = signal.count, sb = rate.searchBuffer, pad = rate.padding
        var filtered = Array(signal.data[0..<(n + pad)])
        applyFilter(&filtered, n, PESQTables.alignFilterDB)
        let power = Float(PESQDSP.power(filtered, sb, n - sb + pad, maxCount - 2 * sb + pad))
        let scale = Float((Self.targetPower / Double(power)).squareRoot())
        for i in 0..<n { signal.data[i] *= scale }
    }

    /// apply_filter: multiplies the spectrum of the clip (search buffers excluded, padding included) by
    /// the piecewise-linear dB curve, normalized to 0 dB at 1 kHz.
    func applyFilter(_ data: inout [Float], _ count: Int, _ curve: [(Double, Double)]) {
        let sb = rate.searchBuffer
        let n = count - 2 * sb + rate.padding
        let size = PESQDSP.nextPowerOfTwo(n)
        var x = [Float](repeating: 0, count: size + 2)
        for i in 0..<n { x[i] = data[i + sb] }
        fft.real(&x, size)
        let gainAt1k = Self.interpolate(1000, curve)
        let resolution = Float(rate.fs) / Float(size)
        for i in 0...(size / 2) {
            let db = Self.interpolate(Float(i) * resolution, curve) - gainAt1k
            let factor = Float(pow(10.0, Double(db / 20)))
            x[2 * i] *= factor
            x[2 * i + 1] *= factor
        }
        fft.realInverse(&x, size)
        for i in 0..<n { data[i + sb] = x[i] }
    }

    /// interpolate: the curve's dB value at `freq`, extrapolating linearly beyond its ends.
    static func interpolate(_ freq: Float, _ curve: [(Double, Double)]) -> Float {
        let f = Double(freq)
        func line(_ lo: (Double, Double), _ hi: (Double, Double)) -> Float {
            Float(((f - lo.0) * hi.1 + (hi.0 - f) * lo.1) / (hi.0 - lo.0))
        }
        if f <= curve[0].0 { return line(curve[0], curve[1]) }
        let last = curve.count - 1
        if f >= curve[last].0 { return line(curve[last - 1], curve[last]) }
        var i = 1
        while curve[i].0 < f { i += 1 }
        return line(curve[i - 1], curve[i])
    }

    /// The P.862.2 input filter: a 16-sample fade at both ends of the clip, then a high-pass biquad.
    func wideBandFilter(_ signal: inout PESQSignal) {
        let sb = rate.searchBuffer, n = signal.count
        for i in 0..<16 {
            signal.data[sb + i - 1] *= Float(i) / 16
            signal.data[n - sb - i] *= Float(i) / 16
        }
        signal.data.withUnsafeMutableBufferPointer {
            PESQDSP.iirFilter(rate.wideBandIIR, sections: 1, $0.baseAddress! + sb, n - 2 * sb)
        }
    }

    /// input_filter: DC_block then the rate's alignment IIR over the whole buffer (padding included).
    func inputFilter(_ signal: inout PESQSignal) {
        let sb = rate.searchBuffer, n = signal.count, ds = rate.downsample
        var mean: Float = 0
        for i in sb..<(n - sb) { mean += signal.data[i] }
        mean /= Float(n)
        for i in sb..<(n - sb) { signal.data[i] -= mean }
        for c in 0..<ds {
            let ramp = (0.5 + Float(c)) / Float(ds)
            signal.data[sb + c] *= ramp
            signal.data[n - sb - 1 - c] *= ramp
        }
        let sections = rate.inputIIR.count / 5
        signal.data.withUnsafeMutableBufferPointer {
            PESQDSP.iirFilter(rate.inputIIR, sections: sections, $0.baseAddress!, n + rate.padding)
        }
    }
}
