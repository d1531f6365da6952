import Foundation

/// A minimal 16-bit PCM WAV writer and reader, so the corpus needs nothing from the Audio module.
public enum CorpusWAV {
    /// The 44-byte canonical header followed by little-endian Int16 samples (mono). Samples scale by 32768, the
    /// same factor the reader divides by, so a round trip only quantizes; +1.0 clips to 32767.
    public static func encode(_ samples: [Float], sampleRate: Int) -> Data {
        var d = Data(capacity: 44 + 2 * samples.count)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        let dataBytes = UInt32(2 * samples.count)
        d.append(contentsOf: Array("RIFF".utf8)); u32(36 + dataBytes); d.append(contentsOf: Array("WAVE".utf8))
        d.append(contentsOf: Array("fmt ".utf8)); u32(16)
        u16(1) // PCM
        u16(1) // mono
        u32(UInt32(sampleRate)); u32(UInt32(sampleRate * 2)); u16(2); u16(16)
        d.append(contentsOf: Array("data".utf8)); u32(dataBytes)
        var pcm = [Int16](repeating: 0, count: samples.count)
        for (i, s) in samples.enumerated() {
            let v = s.isFinite ? (s * 32768).rounded() : 0
            pcm[i] = Int16(max(-32768, min(32767, v))).littleEndian
        }
        pcm.withUnsafeBytes { d.append(contentsOf: $0) }
        return d
    }

    /// Writes to a temporary file beside `url`, then renames it into place: readers never see half a file,
    /// and an interrupted run leaves only a stray temporary, never a truncated WAV.
    public static func write(_ samples: [Float], sampleRate: Int, to url: URL) throws {
        try writeAtomically(encode(samples, sampleRate: sampleRate), to: url)
    }

    /// Parses RIFF/WAVE with 16-bit PCM (format 1 or extensible), any channel count (averaged to mono).
    /// Tolerates a data size larger than the file, which streaming writers such as `espeak-ng --stdout` leave.
    public static func decode(_ data: Data, name: String = "WAV data") throws -> (samples: [Float], sampleRate: Int) {
        let bytes = [UInt8](data)
        func fail(_ m: String) -> CorpusError { .file(name, m) }
        func u32(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 | Int(bytes[o + 2]) << 16 | Int(bytes[o + 3]) << 24 }
        func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
        guard bytes.count >= 12, String(decoding: bytes[0..<4], as: UTF8.self) == "RIFF",
              String(decoding: bytes[8..<12], as: UTF8.self) == "WAVE" else { throw fail("not a RIFF/WAVE file") }
        var offset = 12
        var format: (channels: Int, rate: Int, bits: Int)?
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = u32(offset + 4)
            let body = offset + 8
            if id == "fmt " {
                guard body + 16 <= bytes.count else { throw fail("truncated fmt chunk") }
                let tag = u16(body)
                guard tag == 1 || tag == 0xFFFE else { throw fail("unsupported WAV format tag \(tag) (only PCM)") }
                format = (u16(body + 2), u32(body + 4), u16(body + 14))
            } else if id == "data" {
                guard let f = format else { throw fail("data chunk before fmt chunk") }
                guard f.bits == 16 else { throw fail("unsupported \(f.bits)-bit samples (only 16-bit)") }
                guard f.channels >= 1 else { throw fail("zero channels") }
                let end = min(bytes.count, body + size)
                let frames = (end - body) / (2 * f.channels)
                var out = [Float](repeating: 0, count: frames)
                for i in 0..<frames {
                    var s = 0
                    for c in 0..<f.channels { s += Int(Int16(bitPattern: UInt16(u16(body + 2 * (i * f.channels + c))))) }
                    out[i] = Float(s) / Float(32768 * f.channels)
                }
                return (out, f.rate)
            }
            offset = body + size + (size & 1) // chunks are word-aligned
        }
        throw fail("no data chunk")
    }

    public static func read(_ url: URL) throws -> (samples: [Float], sampleRate: Int) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw CorpusError.file(url.path, "unreadable: \(error.localizedDescription)") }
        return try decode(data, name: url.path)
    }

    /// Write-then-rename in the destination directory (same file system, so the rename is atomic).
    static func writeAtomically(_ data: Data, to url: URL) throws {
        let tmp = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try data.write(to: tmp)
            if rename(tmp.path, url.path) != 0 {
                throw CorpusError.file(url.path, "cannot rename temporary file into place (errno \(errno))")
            }
        } catch let e as CorpusError {
            try? FileManager.default.removeItem(at: tmp)
            throw e
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw CorpusError.file(url.path, "cannot write: \(error.localizedDescription)")
        }
    }
}
