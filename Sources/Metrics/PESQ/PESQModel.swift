import Foundation

// The state of one PESQ computation as the reference code (pesqmain.c, pesq_measure) keeps it: the
// two padded signals, the utterance table (ERROR_INFO) and one shared scratch buffer. The scratch
// buffer is shared on purpose: split_align's window lives in it and crude_align's correlation can
// overwrite it on long utterances, and the published scores include that effect.

/// Rate-dependent settings of the reference code (select_rate).
struct PESQRate {
    let fs: Int
    /// Samples per VAD window ("Downsample"): 4 ms.
    let downsample: Int
    /// FFT length of the fine time alignment.
    let alignNfft: Int
    let inputIIR: [Float]
    let wideBandIIR: [Float]

    init(_ fs: Int) {
        self.fs = fs
        downsample = fs == 16000 ? 64 : 32
        alignNfft = fs == 16000 ? 1024 : 512
        inputIIR = fs == 16000 ? PESQTables.inputIIR16k : PESQTables.inputIIR8k
        wideBandIIR = fs == 16000 ? PESQTables.wideBandIIR16k : PESQTables.wideBandIIR8k
    }

    /// SEARCHBUFFER * Downsample: the zeros put before and after each signal (300 ms).
    var searchBuffer: Int { PESQModel.searchBufferWindows * downsample }
    /// DATAPADDING_MSECS of extra zeros after each signal (320 ms).
    var padding: Int { 320 * (fs / 1000) }
}

/// One signal as SIGNAL_INFO holds it.
struct PESQSignal {
    /// The samples with their zero padding: `count + padding` values.
    var data: [Float]
    /// Nsamples: the clip plus both search buffers (not the extra padding).
    var count: Int
    var vad: [Float] = []
    var logVAD: [Float] = []

    /// load_src: search buffer, clip, search buffer, padding.
    init(_ samples: [Float], _ rate: PESQRate) {
        count = samples.count + 2 * rate.searchBuffer
        data = [Float](repeating: 0, count: count + rate.padding)
        for (i, s) in samples.enumerated() { data[rate.searchBuffer + i] = s }
    }
}

/// ERROR_INFO: the utterances found in the reference and their delays in the degraded signal.
struct PESQUtterances {
    var count = 0
    var largestSize = 0
    var crudeDelay = 0
    // One slot beyond MAXNUTTERANCES: id_searchwindows and id_utterances write one past the last
    // accepted utterance when a rejected speech burst follows it.
    var searchStart = [Int](repeating: 0, count: PESQModel.maxUtterances + 1)
    var searchEnd = [Int](repeating: 0, count: PESQModel.maxUtterances + 1)
    var delayEstimate = [Int](repeating: 0, count: PESQModel.maxUtterances + 1)
    var delay = [Int](repeating: 0, count: PESQModel.maxUtterances + 1)
    var delayConfidence = [Float](repeating: 0, count: PESQModel.maxUtterances + 1)
    var start = [Int](repeating: 0, count: PESQModel.maxUtterances + 1)
    var end = [Int](repeating: 0, count: PESQModel.maxUtterances + 1)
}

/// One run of the P.862 / P.862.2 reference algorithm on two clips at one rate.
final class PESQModel {
    static let maxUtterances = 50
    static let searchBufferWindows = 75

    let rate: PESQRate
    let wideBand: Bool
    let fft = PESQFFT()
    var ref: PESQSignal
    var deg: PESQSignal
    var utterances = PESQUtterances()
    /// ftmp of the C code.
    var scratch: [Float]

    init(reference: [Float], degraded: [Float], rate: PESQRate, wideBand: Bool) {
        self.rate = rate
        self.wideBand = wideBand
        ref = PESQSignal(reference, rate)
        deg = PESQSignal(degraded, rate)
        scratch = [Float](repeating: 0, count: max(max(ref.count, deg.count) + rate.padding, 12 * rate.alignNfft))
    }

    /// pesq_measure: level alignment, input filtering, time alignment, the perceptual model, then the
    /// P.862.1 (narrow band) or P.862.2 (wide band) mapping to MOS-LQO. Returns (raw, mapped) in float
    /// as the C code computes them. `PESQ.score` has already made the C code's 1/4 s length check.
    func run() throws -> (raw: Float, mapped: Float) {
        let maxCount = max(ref.count, deg.count)
        fixPowerLevel(&ref, maxCount)
        fixPowerLevel(&deg, maxCount)
        if wideBand {
            wideBandFilter(&ref)
            wideBandFilter(&deg)
        } else {
            applyFilter(&ref.data, ref.count, PESQTables.irsFilterDB)
            applyFilter(&deg.data, deg.count, PESQTables.irsFilterDB)
        }
        // Alignment works on a further filtered copy; the perceptual model gets these samples back.
        let modelRef = ref.data, modelDeg = deg.data
        inputFilter(&ref)
        inputFilter(&deg)
        ref.computeVAD(rate)
        deg.computeVAD(rate)
        crudeAlign(.wholeSignal)
        try locateUtterances()
        ref.data = modelRef
        deg.data = modelDeg
        // The shorter signal is zero-extended; its Nsamples stays as it was, as in the C code.
        let longest = maxCount + rate.padding
        if ref.data.count < longest { ref.data += [Float](repeating: 0, count: longest - ref.data.count) }
        if deg.data.count < longest { deg.data += [Float](repeating: 0, count: longest - deg.data.count) }

        let raw = try perceptualModel()
        let (a, b): (Float, Float) = wideBand ? (-1.3669, 3.8224) : (-1.4945, 4.6607)
        let e = Float(exp(Double(a * raw + b)))
        return (raw, 0.999 + 4.0 / (1.0 + e))
    }
}
