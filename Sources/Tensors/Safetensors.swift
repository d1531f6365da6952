import Foundation

/// A safetensors file, memory-mapped, with its header validated before any tensor is read.
public struct SafeTensorsFile {
    /// Element types the format declares; all convert to float32 (or Int for ids) on read.
    public enum DType: String {
        case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64", i64 = "I64", i32 = "I32", bool = "BOOL"
        var size: Int {
            switch self {
            case .f64, .i64: return 8
            case .f32, .i32: return 4
            case .f16, .bf16: return 2
            case .bool: return 1
            }
        }
    }

    /// One tensor's declared type, shape and byte range within the data section.
    public struct Entry {
        public let dtype: DType
        public let shape: [Int]
        let begin: Int, end: Int
    }

    public let path: String
    public let entries: [String: Entry]
    public let metadata: [String: String]
    let data: Data
    let dataStart: Int

    /// Headers larger than this are rejected as corrupt rather than parsed.
    static let maxHeaderBytes = 100 << 20

    public init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw TensorError.io(file: path, "no such file") }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw TensorError.io(file: path, "cannot read: \(error.localizedDescription)")
        }
        try self.init(data: data, path: path)
    }

    public init(data: Data, path: String = "<memory>") throws {
        self.path = path
        self.data = data
        func bad(_ m: String) -> TensorError { .safetensors(file: path, m) }
        guard data.count >= 8 else { throw bad("file is \(data.count) bytes, shorter than the 8-byte header length") }
        let n = data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self) }.littleEndian
        guard n <= UInt64(Self.maxHeaderBytes) else { throw bad("header length \(n) is absurd (limit \(Self.maxHeaderBytes) bytes)") }
        guard Int(n) + 8 <= data.count else { throw bad("header length \(n) runs past the end of the \(data.count)-byte file") }
        dataStart = 8 + Int(n)
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<dataStart)) } catch {
            throw bad("header is not valid JSON")
        }
        guard let dict = json as? [String: Any] else { throw bad("header is not a JSON object") }
        var entries: [String: Entry] = [:]
        var meta: [String: String] = [:]
        let dataLen = data.count - dataStart
        for (name, value) in dict {
            if name == "__metadata__" {
                meta = (value as? [String: String]) ?? [:]
                continue
            }
            guard let e = value as? [String: Any], let dts = e["dtype"] as? String,
                  let shapeAny = e["shape"] as? [Any], let offs = e["data_offsets"] as? [Any], offs.count == 2 else {
                throw bad("entry '\(name)' lacks dtype, shape or data_offsets")
            }
            guard let dt = DType(rawValue: dts) else { throw bad("entry '\(name)' has unsupported dtype \(dts)") }
            let shape = shapeAny.compactMap { ($0 as? NSNumber)?.intValue }
            guard shape.count == shapeAny.count, shape.allSatisfy({ $0 >= 0 }) else { throw bad("entry '\(name)' has an invalid shape") }
            guard let b = (offs[0] as? NSNumber)?.intValue, let en = (offs[1] as? NSNumber)?.intValue, b >= 0, en >= b else {
                throw bad("entry '\(name)' has invalid data_offsets")
            }
            guard en <= dataLen else { throw bad("entry '\(name)' ends at byte \(en), past the data section of \(dataLen) bytes (truncated file?)") }
            let (elems, overflow) = shape.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                return (p, acc.1 || o)
            }
            guard !overflow, elems * dt.size == en - b else {
                throw bad("entry '\(name)' declares shape \(shape) of \(dts) but spans \(en - b) bytes")
            }
            entries[name] = Entry(dtype: dt, shape: shape, begin: b, end: en)
        }
        let sorted = entries.sorted { $0.value.begin < $1.value.begin }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.value.begin < a.value.end {
            throw bad("entries '\(a.key)' and '\(b.key)' overlap")
        }
        self.entries = entries
        metadata = meta
    }

    public var keys: [String] { entries.keys.sorted() }

    /// The named tensor converted to float32.
    public func tensor(_ name: String) throws -> Tensor {
        guard let e = entries[name] else { throw TensorError.safetensors(file: path, "no tensor named '\(name)'") }
        let t = Tensor(uninitialized: e.shape)
        let n = t.count, p = t.pointer
        data.withUnsafeBytes { raw in
            let base = raw.baseAddress! + dataStart + e.begin
            switch e.dtype {
            case .f32: memcpy(p, base, n * 4)
            case .f16: for i in 0..<n { p[i] = Half.toFloat(base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
            case .bf16: for i in 0..<n { p[i] = Float(bitPattern: UInt32(base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16) }
            case .f64: for i in 0..<n { p[i] = Float(base.loadUnaligned(fromByteOffset: 8 * i, as: Double.self)) }
            case .i64: for i in 0..<n { p[i] = Float(base.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)) }
            case .i32: for i in 0..<n { p[i] = Float(base.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)) }
            case .bool: for i in 0..<n { p[i] = base.load(fromByteOffset: i, as: UInt8.self) != 0 ? 1 : 0 }
            }
        }
        return t
    }

    /// The named integer tensor (I64/I32/BOOL, or integral floats) as Ints, with its shape.
    public func integers(_ name: String) throws -> (values: [Int], shape: [Int]) {
        guard let e = entries[name] else { throw TensorError.safetensors(file: path, "no tensor named '\(name)'") }
        let n = Tensor.count(of: e.shape)
        let values: [Int] = data.withUnsafeBytes { raw in
            let base = raw.baseAddress! + dataStart + e.begin
            switch e.dtype {
            case .i64: return (0..<n).map { Int(base.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
            case .i32: return (0..<n).map { Int(base.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }
            case .bool: return (0..<n).map { Int(base.load(fromByteOffset: $0, as: UInt8.self)) }
            default: return []
            }
        }
        if values.count == n { return (values, e.shape) }
        return (try tensor(name).scalars.map { Int($0) }, e.shape)
    }

    /// Every tensor as float32.
    public func all() throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for k in entries.keys { out[k] = try tensor(k) }
        return out
    }

    /// Storage types `save` can write.
    public enum StorageType { case f32, f16 }

    /// Writes tensors to `path` atomically (temporary file, fsync, rename).
    public static func save(_ tensors: [String: Tensor], to path: String, as type: StorageType = .f32,
                            metadata: [String: String] = [:]) throws {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        let size = type == .f32 ? 4 : 2
        for name in names {
            let t = tensors[name]!
            header[name] = ["dtype": type == .f32 ? "F32" : "F16", "shape": t.shape, "data_offsets": [offset, offset + t.count * size]]
            offset += t.count * size
        }
        var hjson = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while hjson.count % 8 != 0 { hjson.append(0x20) }
        var out = Data(capacity: 8 + hjson.count + offset)
        var n = UInt64(hjson.count).littleEndian
        out.append(Data(bytes: &n, count: 8))
        out.append(hjson)
        for name in names {
            let t = tensors[name]!
            if type == .f32 {
                out.append(UnsafeBufferPointer(start: t.pointer, count: t.count))
            } else {
                let halves = (0..<t.count).map { Half.fromFloat(t.pointer[$0]).littleEndian }
                halves.withUnsafeBufferPointer { out.append($0) }
            }
        }
        try AtomicFile.write(out, to: path)
    }
}

/// IEEE 754 half-precision conversion, round-to-nearest-even, as torch's .half().
enum Half {
    static func toFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = Int((h >> 10) & 0x1F), mant = UInt32(h & 0x3FF)
        if exp == 0 {
            if mant == 0 { return Float(bitPattern: sign) }
            let v = Float(mant) * Float(pow(2.0, -24.0))
            return sign != 0 ? -v : v
        }
        if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13)) }
        return Float(bitPattern: sign | (UInt32(exp + 112) << 23) | (mant << 13))
    }

    static func fromFloat(_ f: Float) -> UInt16 {
        let bits = f.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exp = Int((bits >> 23) & 0xFF), mant = bits & 0x7F_FFFF
        if exp == 255 { return sign | 0x7C00 | (mant != 0 ? 0x200 : 0) }
        let e = exp - 127 + 15
        if e >= 31 { return sign | 0x7C00 }
        if e <= 0 {
            if e < -10 { return sign }
            let m = mant | 0x80_0000
            let shift = UInt32(14 - e)
            var r = m >> shift
            let rem = m & ((1 << shift) - 1), half = UInt32(1) << (shift - 1)
            if rem > half || (rem == half && (r & 1) == 1) { r += 1 }
            return sign | UInt16(r)
        }
        var r = UInt32(e) << 10 | (mant >> 13)
        let rem = mant & 0x1FFF
        if rem > 0x1000 || (rem == 0x1000 && (r & 1) == 1) { r += 1 }
        return sign | UInt16(r)
    }
}
