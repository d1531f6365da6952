import Foundation

// Utterance segmentation of the reference and per-utterance delays (pesqmod.c id_searchwindows,
// id_utterances, utterance_split, utterance_locate). Lengths are in 4 ms VAD windows.

extension PESQModel {
    /// MINUTTLENGTH: an utterance has at least this many VAD windows of speech.
    static let minUtteranceWindows = 50

    /// utterance_locate: finds the utterances, aligns each, then splits those whose delay changes inside.
    func locateUtterances() throws {
        try findSearchWindows()
        for u in 0..<utterances.count {
            crudeAlign(.utterance(u))
            timeAlign(u)
        }
        identifyUtterances()
        splitUtterances()
    }

    /// Walks the speech bursts of the reference: `begin(start)` at each burst's first window, then
    /// `finish(end, accepted)`, accepted when it is long enough and overlaps the degraded signal after
    /// the crude delay.
    private func speechBursts(_ finish: (Int, Bool) -> Void, _ begin: (Int) -> Void) {
        let ds = rate.downsample, windows = ref.count / ds, minimum = Self.minUtteranceWindows
        let degStart = minimum - utterances.crudeDelay / ds
        let degEnd = (deg.count - utterances.crudeDelay) / ds - minimum
        var speech = false, thisStart = 0
        for c in 0..<windows {
            let v = ref.vad[c]
            if v > 0 && !speech {
                speech = true
                thisStart = c
                begin(c)
            }
            if (v == 0 || c == windows - 1) && speech {
                speech = false
                finish(c, c - thisStart >= minimum && thisStart < degEnd && c > degStart)
            }
        }
    }

    /// id_searchwindows: utterance search windows, each burst widened by SEARCHBUFFER windows.
    func findSearchWindows() throws {
        let windows = ref.count / rate.downsample, sbw = Self.searchBufferWindows
        var n = 0, tooMany = false
        speechBursts({ end, accepted in
            utterances.searchEnd[n] = min(end + sbw, windows - 1)
            if accepted { if n == Self.maxUtterances { tooMany = true } else { n += 1 } }
        }, { start in utterances.searchStart[n] = max(start - sbw, 0) })
        // Beyond MAXNUTTERANCES the C code writes past its tables; there is no reference result to match.
        if tooMany {
            throw MetricsError.invalidArgument("reference", "expected at most \(Self.maxUtterances) utterances (speech bursts separated by more than 200 ms of silence), found more")
        }
        guard n > 0 else {
            throw MetricsError.invalidArgument("reference", "no utterances detected (expected speech: at least 200 ms above the noise floor, overlapping the degraded clip)")
        }
        utterances.count = n
    }

    /// id_utterances: utterances tile the reference (boundaries midway between bursts), then are kept
    /// inside the degraded signal and made not to overlap once delayed.
    func identifyUtterances() {
        let ds = rate.downsample, windows = ref.count / ds, sbw = Self.searchBufferWindows
        let count = utterances.count
        var n = 0
        speechBursts({ end, accepted in
            utterances.end[n] = end
            if accepted { n += 1 }
        }, { start in utterances.start[n] = start })
        var u = utterances
        u.start[0] = sbw
        u.end[count - 1] = windows - sbw
        for i in 1..<max(1, count) {
            let mid = (u.start[i] + u.end[i - 1]) / 2
            u.start[i] = mid
            u.end[i - 1] = mid
        }
        if u.start[0] * ds + u.delay[0] < sbw * ds {
            u.start[0] = sbw + (ds - 1 - u.delay[0]) / ds
        }
        if u.end[count - 1] * ds + u.delay[count - 1] > deg.count - sbw * ds {
            u.end[count - 1] = (deg.count - u.delay[count - 1]) / ds - sbw
        }
        for i in 1..<max(1, count) {
            let thisStart = u.start[i] * ds + u.delay[i], lastEnd = u.end[i - 1] * ds + u.delay[i - 1]
            if thisStart < lastEnd {
                let mid = (thisStart + lastEnd) / 2
                u.start[i] = (ds - 1 + mid - u.delay[i]) / ds
                u.end[i - 1] = (mid - u.delay[i - 1]) / ds
            }
        }
        u.largestSize = (0..<count).map { u.end[$0] - u.start[$0] }.reduce(0, max)
        utterances = u
    }

    /// The reference VAD at window i; 0 outside (the C code would read past its buffer there).
    private func referenceVAD(_ i: Int) -> Float { ref.vad.indices.contains(i) ? ref.vad[i] : 0 }

    /// utterance_split: an utterance with 200 or more windows of speech is split in two where
    /// split_align finds two delays both more confident than the utterance's own.
    func splitUtterances() {
        let ds = rate.downsample, sbw = Self.searchBufferWindows
        var id = 0
        while id < utterances.count && utterances.count < Self.maxUtterances {
            let estimate = utterances.delayEstimate[id], confidence = utterances.delayConfidence[id]
            let start = utterances.start[id], end = utterances.end[id]
            var speechStart = start
            while speechStart < end && referenceVAD(speechStart) <= 0 { speechStart += 1 }
            var speechEnd = end
            while speechEnd > start && referenceVAD(speechEnd) <= 0 { speechEnd -= 1 }
            speechEnd += 1
            guard speechEnd - speechStart >= 200 else {
                id += 1
                continue
            }
            let best = splitAlign(start: start, speechStart: speechStart, speechEnd: speechEnd, end: end,
                                  estimate: estimate, confidence: confidence)
            guard best.confidence1 > confidence && best.confidence2 > confidence else {
                id += 1
                continue
            }
            var u = utterances
            for step in stride(from: u.count - 1, to: id, by: -1) {
                u.delayEstimate[step + 1] = u.delayEstimate[step]
                u.delay[step + 1] = u.delay[step]
                u.delayConfidence[step + 1] = u.delayConfidence[step]
                u.start[step + 1] = u.start[step]
                u.end[step + 1] = u.end[step]
                u.searchStart[step + 1] = u.start[step]
                u.searchEnd[step + 1] = u.end[step]
            }
            u.count += 1
            u.delayEstimate[id] = best.estimate1
            u.delay[id] = best.delay1
            u.delayConfidence[id] = best.confidence1
            u.delayEstimate[id + 1] = best.estimate2
            u.delay[id + 1] = best.delay2
            u.delayConfidence[id + 1] = best.confidence2
            u.searchStart[id + 1] = u.searchStart[id]
            u.searchEnd[id + 1] = u.searchEnd[id]
            u.start[id] = start
            u.end[id + 1] = end
            if best.delay2 < best.delay1 {
                u.end[id] = best.breakPoint
                u.start[id + 1] = best.breakPoint
            } else {
                u.end[id] = best.breakPoint + (best.delay2 - best.delay1) / (2 * ds)
                u.start[id + 1] = best.breakPoint - (best.delay2 - best.delay1) / (2 * ds)
            }
            if (u.start[id] - sbw) * ds + best.delay1 < 0 {
                u.start[id] = sbw + (ds - 1 - best.delay1) / ds
            }
            if u.end[id + 1] * ds + best.delay2 > deg.count - sbw * ds {
                u.end[id + 1] = (deg.count - best.delay2) / ds - sbw
            }
            utterances = u
        }
        utterances.largestSize = (0..<utterances.count).map { utterances.end[$0] - utterances.start[$0] }.reduce(0, max)
    }
}
