import Foundation

/// Counts separate sound events (beeps, hits, plucks) from the short-time energy envelope with hysteresis:
/// an event starts where the level rises above `onDB` below the loudest frame and ends where it falls under
/// `offDB`; events shorter than `minEventSeconds` or closer than `minGapSeconds` merge, so a ringing tail or
/// a crackle in a model's output does not count twice.
public struct EventCounter: Sendable {
    public var sampleRate: Int
    public var frameSeconds: Double
    public var hopSeconds: Double
    public var onDB: Double
    public var offDB: Double
    public var minEventSeconds: Double
    public var minGapSeconds: Double

    public init(sampleRate: Int = 16_000, frameSeconds: Double = 0.02, hopSeconds: Double = 0.005, onDB: Double = -12,
                offDB: Double = -20, minEventSeconds: Double = 0.02, minGapSeconds: Double = 0.03) {
        self.sampleRate = sampleRate
        self.frameSeconds = frameSeconds
        self.hopSeconds = hopSeconds
        self.onDB = onDB
        self.offDB = offDB
        self.minEventSeconds = minEventSeconds
        self.minGapSeconds = minGapSeconds
    }

    /// The level of each frame in dB relative to full scale (RMS), floored at -120 dB.
    public func envelope(_ samples: [Float]) -> [Double] {
        let frame = max(1, Int(frameSeconds * Double(sampleRate))), hop = max(1, Int(hopSeconds * Double(sampleRate)))
        guard samples.count >= frame else { return [] }
        let count = (samples.count - frame) / hop + 1
        return (0..<count).map { f in
            var e = 0.0
            for j in (f * hop)..<(f * hop + frame) { e += Double(samples[j] * samples[j]) }
            return 10 * log10(max(e / Double(frame), 1e-12))
        }
    }

    /// Start and end times (seconds) of each event.
    public func events(_ samples: [Float]) throws -> [ClosedRange<Double>] {
        guard onDB > offDB, onDB < 0, hopSeconds > 0, frameSeconds > 0 else {
            throw AudioError.invalidArgument("EventCounter", "expected offDB < onDB < 0 and positive frame and hop, got on \(onDB), off \(offDB)")
        }
        let env = envelope(samples)
        guard let peak = env.max(), peak > -100 else { return [] }
        var raw: [ClosedRange<Double>] = []
        var start: Int?
        for (i, level) in env.enumerated() {
            if start == nil, level >= peak + onDB { start = i }
            if let s = start, level < peak + offDB {
                raw.append(Double(s) * hopSeconds...Double(i) * hopSeconds)
                start = nil
            }
        }
        if let s = start { raw.append(Double(s) * hopSeconds...Double(env.count) * hopSeconds) }
        var merged: [ClosedRange<Double>] = []
        for e in raw {
            if let last = merged.last, e.lowerBound - last.upperBound < minGapSeconds {
                merged[merged.count - 1] = last.lowerBound...e.upperBound
            } else {
                merged.append(e)
            }
        }
        return merged.filter { $0.upperBound - $0.lowerBound + frameSeconds >= minEventSeconds }
    }

    /// The number of events.
    public func count(_ samples: [Float]) throws -> Int { try events(samples).count }
}
