import Foundation

/// Reference-counted float32 memory shared by a tensor and its reshaped views.
public final class TensorStorage {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    init(count: Int) {
        self.count = count
        pointer = BufferPool.shared.take(count)
    }

    /// Storage around memory already taken from the pool for `count` floats.
    init(count: Int, pointer: UnsafeMutablePointer<Float>) {
        self.count = count
        self.pointer = pointer
    }

    deinit { BufferPool.shared.give(pointer, count) }
}

/// An n-dimensional float32 array, contiguous in row-major order, with reverse-mode autograd.
public final class Tensor {
    public let shape: [Int]
    public let storage: TensorStorage
    /// Whether gradients flow to this tensor (a leaf accumulates them in `grad`).
    public var requiresGrad: Bool = false
    /// Accumulated gradient of a leaf after `backward()`.
    public var grad: Tensor?
    var gradFn: GradNode?

    /// Uninitialized memory of `shape`; every kernel that uses it writes each element.
    init(uninitialized shape: [Int]) {
        self.shape = shape
        storage = TensorStorage(count: Tensor.count(of: shape))
    }

    init(shape: [Int], storage: TensorStorage) {
        self.shape = shape
        self.storage = storage
    }

    /// A tensor holding `data` in row-major order.
    public convenience init(shape: [Int], data: [Float]) {
        precondition(Tensor.count(of: shape) == data.count, "Tensor(shape: \(shape)) needs \(Tensor.count(of: shape)) values, got \(data.count)")
        self.init(uninitialized: shape)
        data.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: data.count) }
    }

    /// A 1-D tensor of `data`.
    public convenience init(_ data: [Float]) { self.init(shape: [data.count], data: data) }

    /// A 0-d tensor holding one value.
    public convenience init(scalar: Float) { self.init(shape: [], data: [scalar]) }

    public static func count(of shape: [Int]) -> Int { shape.reduce(1, *) }

    /// The element count of `shape`, checked at the door: a negative size is an invalid argument, a count whose
    /// bytes overflow or exceed the machine is `outOfMemory`.
    public static func checkedCount(of shape: [Int]) throws -> Int {
        if let bad = shape.first(where: { $0 < 0 }) {
            throw TensorError.invalidArgument(op: "shape", "negative size \(bad) in \(shape)")
        }
        var n = 1
        for d in shape {
            let (m, o) = n.multipliedReportingOverflow(by: d)
            guard !o, m <= BufferPool.maxBytes / 4 else {
                let bytes = shape.reduce(4.0) { $0 * Double($1) }
                throw TensorError.outOfMemory(shape: shape, bytes: bytes >= Double(Int.max) ? Int.max : Int(bytes))
            }
            n = m
        }
        return n
    }

    /// Throws `TensorError.outOfMemory` (naming the shape and its size) unless a tensor of `shape` can be allocated
    /// now: the memory is taken and handed back to the pool, so the allocation that follows reuses it.
    public static func checkAllocation(_ shape: [Int]) throws {
        let n = try checkedCount(of: shape)
        guard let p = BufferPool.shared.tryTake(n) else { throw TensorError.outOfMemory(shape: shape, bytes: n * 4) }
        BufferPool.shared.give(p, n)
    }

    /// A tensor of zeros, its allocation checked (`outOfMemory` instead of ending the process).
    public static func checkedZeros(_ shape: [Int]) throws -> Tensor {
        let n = try checkedCount(of: shape)
        guard let p = BufferPool.shared.tryTake(n) else { throw TensorError.outOfMemory(shape: shape, bytes: n * 4) }
        let t = Tensor(shape: shape, storage: TensorStorage(count: n, pointer: p))
        p.initialize(repeating: 0, count: n)
        return t
    }

    public var count: Int { storage.count }
    public var rank: Int { shape.count }
    public var pointer: UnsafeMutablePointer<Float> { storage.pointer }

    /// The values in row-major order (a copy).
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// The single value of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item: tensor has \(count) elements, expected 1")
        return pointer[0]
    }

    /// The size of `axis`, negative axes counting from the end.
    public func size(_ axis: Int) -> Int { shape[normalize(axis: axis)] }

    func normalize(axis: Int) -> Int { axis < 0 ? axis + rank : axis }

    /// Row-major strides of this shape.
    public static func strides(of shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            s[i] = acc
            acc *= shape[i]
        }
        return s
    }

    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: pointer, count: count))
    }

    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: pointer, count: count))
    }

    /// A copy with its own storage and no autograd history.
    public func copy() -> Tensor {
        let t = Tensor(uninitialized: shape)
        t.pointer.update(from: pointer, count: count)
        return t
    }

    /// The same values without autograd history (shares storage).
    public func detach() -> Tensor { Tensor(shape: shape, storage: storage) }

    /// Overwrites this tensor's values with `other`'s (same element count); no autograd.
    public func assign(_ other: Tensor) throws {
        guard other.count == count else {
            throw TensorError.shapeMismatch(op: "assign", "\(shape) <- \(other.shape)")
        }
        pointer.update(from: other.pointer, count: count)
    }
}

extension Tensor {
    public static func zeros(_ shape: [Int]) -> Tensor { full(shape, 0) }
    public static func ones(_ shape: [Int]) -> Tensor { full(shape, 1) }

    public static func full(_ shape: [Int], _ value: Float) -> Tensor {
        let t = Tensor(uninitialized: shape)
        t.pointer.initialize(repeating: value, count: t.count)
        return t
    }

    public static func zeros(like t: Tensor) -> Tensor { zeros(t.shape) }
    public static func ones(like t: Tensor) -> Tensor { ones(t.shape) }

    /// Values start, start+step, ... below end (as torch.arange).
    public static func arange(_ start: Float, _ end: Float, step: Float = 1) -> Tensor {
        let n = Swift.max(0, Int((Double(end - start) / Double(step)).rounded(.up)))
        return Tensor(shape: [n], data: (0..<n).map { start + Float($0) * step })
    }

    public static func arange(_ n: Int) -> Tensor { arange(0, Float(n)) }

    /// `n` evenly spaced values from start to end inclusive (as torch.linspace).
    public static func linspace(_ start: Float, _ end: Float, _ n: Int) -> Tensor {
        if n == 1 { return Tensor([start]) }
        let step = (Double(end) - Double(start)) / Double(n - 1)
        // torch computes the second half from the end so the last value is exact.
        let half = n / 2
        return Tensor((0..<n).map { i in
            i < half ? Float(Double(start) + step * Double(i)) : Float(Double(end) - step * Double(n - 1 - i))
        })
    }

    /// Standard normal values from `generator`.
    public static func randn(_ shape: [Int], generator: RandomGenerator) -> Tensor {
        let t = Tensor(uninitialized: shape)
        generator.fillNormal(t.pointer, count: t.count)
        return t
    }

    /// Uniform values in [low, high) from `generator`.
    public static func rand(_ shape: [Int], low: Float = 0, high: Float = 1, generator: RandomGenerator) -> Tensor {
        let t = Tensor(uninitialized: shape)
        for i in 0..<t.count { t.pointer[i] = low + (high - low) * generator.nextUniform() }
        return t
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = count <= 8 ? scalars.map { String(format: "%.4f", $0) }.joined(separator: ", ")
            : (scalars[0..<3].map { String(format: "%.4f", $0) } + ["..."] + scalars[(count - 3)...].map { String(format: "%.4f", $0) }).joined(separator: ", ")
        return "Tensor\(shape)(\(shown))"
    }
}
