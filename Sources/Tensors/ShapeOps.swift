import Foundation

// Views and rearrangements. Reshape shares storage; the rest copy into contiguous memory.
extension Tensor {
    /// The same values in a new shape (one dim may be -1); shares storage.
    public func reshape(_ newShape: [Int]) throws -> Tensor {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            guard known > 0, count % known == 0 else {
                throw TensorError.shapeMismatch(op: "reshape", "cannot reshape \(shape) to \(newShape)")
            }
            s[i] = count / known
        }
        guard Tensor.count(of: s) == count else {
            throw TensorError.shapeMismatch(op: "reshape", "cannot reshape \(shape) (\(count) elements) to \(newShape)")
        }
        let old = shape
        return Tensor(shape: s, storage: storage).recording([self]) { g in [try g.reshape(old)] }
    }

    public func flatten(from start: Int = 0) throws -> Tensor {
        let s = normalize(axis: start)
        return try reshape(Array(shape[..<s]) + [shape[s...].reduce(1, *)])
    }

    public func unsqueeze(_ axis: Int) throws -> Tensor {
        let a = axis < 0 ? axis + rank + 1 : axis
        var s = shape
        s.insert(1, at: a)
        return try reshape(s)
    }

    public func squeeze(_ axis: Int) throws -> Tensor {
        let a = normalize(axis: axis)
        guard shape[a] == 1 else { return self }
        var s = shape
        s.remove(at: a)
        return try reshape(s)
    }

    /// Copies `self` read through per-output-dim source strides into a new contiguous tensor.
    func stridedCopy(outShape: [Int], srcStrides: [Int], srcOffset: Int = 0) -> Tensor {
        Profiler.op("copy", bytes: Double(8 * Tensor.count(of: outShape))) {
            stridedCopyBody(outShape: outShape, srcStrides: srcStrides, srcOffset: srcOffset)
        }
    }

    private func stridedCopyBody(outShape: [Int], srcStrides: [Int], srcOffset: Int) -> Tensor {
        let out = Tensor(uninitialized: outShape)
        if outShape.isEmpty { out.pointer[0] = pointer[srcOffset]; return out }
        if out.count == 0 { return out }
        // Merge neighbouring dims the source steps through contiguously, and drop dims of size 1.
        var dims: [(size: Int, stride: Int)] = []
        for (n, st) in zip(outShape, srcStrides) where n != 1 {
            if let last = dims.last, last.stride == st * n {
                dims[dims.count - 1] = (last.size * n, st)
            } else {
                dims.append((n, st))
            }
        }
        if dims.isEmpty { dims = [(1, 1)] }
        let r = dims.count
        let src = UnsafePointer(pointer), dst = out.pointer
        let inner = dims[r - 1].size, si = dims[r - 1].stride
        // Rows of the last dim, `mid` of them (the second-to-last dim) per outer block, so the outer offset is
        // worked out once per block; a transpose (the second-to-last dim contiguous in the source) goes in tiles.
        let mid = r >= 2 ? dims[r - 2].size : 1, sm = r >= 2 ? dims[r - 2].stride : 0
        let blocks = out.count / (inner * mid)
        let transpose = si != 1 && sm == 1
        Runtime.parallelRanges(blocks, minChunk: Swift.max(1, 16384 / Swift.max(inner * mid, 1))) { lo, hi in
            for block in lo..<hi {
                var rem = block, o = srcOffset
                var d = r - 3
                while d >= 0 {
                    o += (rem % dims[d].size) * dims[d].stride
                    rem /= dims[d].size
                    d -= 1
                }
                let p = dst + block * inner * mid
                if si == 1 {
                    for m in 0..<mid { (p + m * inner).update(from: src + o + m * sm, count: inner) }
                } else if transpose {
                    let tile = 16
                    for m0 in stride(from: 0, to: mid, by: tile) {
                        let m1 = Swift.min(mid, m0 + tile)
                        for j0 in stride(from: 0, to: inner, by: tile) {
                            let j1 = Swift.min(inner, j0 + tile)
                            for m in m0..<m1 {
                                let row = p + m * inner, s0 = src + o + m
                                for j in j0..<j1 { row[j] = s0[j * si] }
                            }
                        }
                    }
                } else {
                    for m in 0..<mid {
                        let row = p + m * inner, s0 = src + o + m * sm
                        for j in 0..<inner { row[j] = s0[j * si] }
                    }
                }
            }
        }
        return out
    }

    /// Reorders axes (torch.permute); copies.
    public func permute(_ axes: [Int]) throws -> Tensor {
        let ax = axes.map { normalize(axis: $0) }
        guard ax.count == rank, Set(ax).count == rank, ax.allSatisfy({ $0 >= 0 && $0 < rank }) else {
            throw TensorError.invalidArgument(op: "permute", "axes \(axes) are not a permutation of 0..<\(rank)")
        }
        if ax == Array(0..<rank) { return self }
        let st = Tensor.strides(of: shape)
        let out = stridedCopy(outShape: ax.map { shape[$0] }, srcStrides: ax.map { st[$0] })
        var inverse = [Int](repeating: 0, count: rank)
        for (i, a) in ax.enumerated() { inverse[a] = i }
        return out.recording([self]) { g in [try g.permute(inverse)] }
    }

    public func transpose(_ a: Int, _ b: Int) throws -> Tensor {
        var ax = Array(0..<rank)
        ax.swapAt(normalize(axis: a), normalize(axis: b))
        return try permute(ax)
    }

    /// Broadcasts to `newShape` (torch.expand); copies.
    public func expand(_ newShape: [Int]) throws -> Tensor {
        if newShape == shape { return self }
        let target = try Broadcast.shape(shape, newShape, op: "expand")
        guard target == newShape else {
            throw TensorError.shapeMismatch(op: "expand", "cannot expand \(shape) to \(newShape)")
        }
        let out = stridedCopy(outShape: newShape, srcStrides: Broadcast.strides(shape, in: newShape))
        let old = shape
        return out.recording([self]) { g in [try g.reduceGrad(to: old)] }
    }

    /// Elements start..<end (by `step`) along `axis` (Python slicing without negatives).
    public func slice(axis: Int, start: Int, end: Int, step: Int = 1) throws -> Tensor {
        let a = normalize(axis: axis)
        guard a >= 0, a < rank else { throw TensorError.invalidArgument(op: "slice", "axis \(axis) out of range for rank \(rank)") }
        let s = Swift.max(0, Swift.min(start < 0 ? start + shape[a] : start, shape[a]))
        let e = Swift.max(s, Swift.min(end < 0 ? end + shape[a] : end, shape[a]))
        guard step > 0 else { throw TensorError.invalidArgument(op: "slice", "step must be positive, got \(step)") }
        var outShape = shape
        outShape[a] = (e - s + step - 1) / step
        var st = Tensor.strides(of: shape)
        let offset = s * st[a]
        st[a] *= step
        let out = stridedCopy(outShape: outShape, srcStrides: st, srcOffset: offset)
        let inShape = shape
        return out.recording([self]) { g in
            let full = Tensor.zeros(inShape)
            full.scatterSlice(g, axis: a, start: s, step: step)
            return [full]
        }
    }

    /// Adds `src` into the slice start::step of `self` along `axis` (no autograd).
    func scatterSlice(_ src: Tensor, axis a: Int, start: Int, step: Int) {
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
        let n = src.shape[a], full = shape[a]
        for o in 0..<outer {
            for i in 0..<n {
                let d = pointer + (o * full + start + i * step) * inner
                let sp = src.pointer + (o * n + i) * inner
                for j in 0..<inner { d[j] += sp[j] }
            }
        }
    }

    /// Joins tensors along `axis` (torch.cat).
    public static func concat(_ ts: [Tensor], axis: Int) throws -> Tensor {
        guard let first = ts.first else { throw TensorError.invalidArgument(op: "concat", "needs at least one tensor") }
        let a = first.normalize(axis: axis)
        for t in ts where t.rank != first.rank || (0..<t.rank).contains(where: { $0 != a && t.shape[$0] != first.shape[$0] }) {
            throw TensorError.shapeMismatch(op: "concat", "\(t.shape) vs \(first.shape) along axis \(axis)")
        }
        var outShape = first.shape
        outShape[a] = ts.map { $0.shape[a] }.reduce(0, +)
        let out = Tensor(uninitialized: outShape)
        let outer = first.shape[..<a].reduce(1, *), inner = first.shape[(a + 1)...].reduce(1, *)
        let total = outShape[a] * inner
        Profiler.op("cat", bytes: Double(8 * out.count)) {
            var off = 0
            for t in ts {
                let block = t.shape[a] * inner
                for o in 0..<outer { (out.pointer + o * total + off).update(from: t.pointer + o * block, count: block) }
                off += block
            }
        }
        let sizes = ts.map { $0.shape[a] }
        return out.recording(ts) { g in
            var start = 0
            return try sizes.map { n in
                defer { start += n }
                return try g.slice(axis: a, start: start, end: start + n)
            }
        }
    }

    /// Stacks same-shaped tensors along a new `axis`.
    public static func stack(_ ts: [Tensor], axis: Int = 0) throws -> Tensor {
        try concat(ts.map { try $0.unsqueeze(axis) }, axis: axis)
    }

    /// Splits along `axis` into pieces of the given sizes.
    public func split(_ sizes: [Int], axis: Int) throws -> [Tensor] {
        guard sizes.reduce(0, +) == size(axis) else {
            throw TensorError.invalidArgument(op: "split", "sizes \(sizes) do not sum to \(size(axis))")
        }
        var start = 0
        return try sizes.map { n in
            defer { start += n }
            return try slice(axis: axis, start: start, end: start + n)
        }
    }

    /// Splits into `n` equal pieces along `axis` (the last may be smaller, as torch.chunk).
    public func chunk(_ n: Int, axis: Int) throws -> [Tensor] {
        let len = size(axis), each = (len + n - 1) / n
        var sizes: [Int] = []
        var left = len
        while left > 0 { sizes.append(Swift.min(each, left)); left -= each }
        return try split(sizes, axis: axis)
    }

    /// Padding modes for `pad`.
    public enum PadMode { case constant(Float), reflect, replicate }

    /// Pads the last dims; `pads` is (left, right) pairs starting from the last dim, as torch.nn.functional.pad.
    public func pad(_ pads: [Int], mode: PadMode = .constant(0)) throws -> Tensor {
        guard pads.count % 2 == 0, pads.count / 2 <= rank else {
            throw TensorError.invalidArgument(op: "pad", "expected (left, right) pairs for at most \(rank) dims, got \(pads)")
        }
        var outShape = shape
        var maps: [[Int]] = shape.map { Array(0..<$0) }
        for k in 0..<(pads.count / 2) {
            let d = rank - 1 - k, l = pads[2 * k], r = pads[2 * k + 1], n = shape[d]
            if case .reflect = mode, l >= n || r >= n {
                throw TensorError.invalidArgument(op: "pad", "reflect padding (\(l), \(r)) must be smaller than the dim size \(n)")
            }
            outShape[d] = n + l + r
            maps[d] = (0..<(n + l + r)).map { o in
                let i = o - l
                if i >= 0 && i < n { return i }
                switch mode {
                case .constant: return -1
                case .reflect: return i < 0 ? -i : 2 * (n - 1) - i
                case .replicate: return i < 0 ? 0 : n - 1
                }
            }
        }
        let fill: Float
        if case let .constant(v) = mode { fill = v } else { fill = 0 }
        let out = Tensor(uninitialized: outShape)
        let st = Tensor.strides(of: shape)
        let r = rank, inner = outShape[r - 1]
        let rows = out.count / Swift.max(inner, 1)
        let lastMap = maps[r - 1]
        let src = pointer, dst = out.pointer
        Runtime.parallelRanges(rows, minChunk: 64) { lo, hi in
            for row in lo..<hi {
                var rem = row, o = 0, valid = true
                var d = r - 2
                while d >= 0 {
                    let m = maps[d][rem % outShape[d]]
                    rem /= outShape[d]
                    if m < 0 { valid = false }
                    o += m * st[d]
                    d -= 1
                }
                let p = dst + row * inner
                if !valid { p.update(repeating: fill, count: inner); continue }
                for j in 0..<inner { let m = lastMap[j]; p[j] = m < 0 ? fill : src[o + m] }
            }
        }
        let inShape = shape
        return out.recording([self]) { g in
            // Scatter-add through the same index maps: reflected positions add into their sources.
            let gi = Tensor.zeros(inShape)
            for row in 0..<rows {
                var rem = row, o = 0, valid = true
                var d = r - 2
                while d >= 0 {
                    let m = maps[d][rem % outShape[d]]
                    rem /= outShape[d]
                    if m < 0 { valid = false }
                    o += m * st[d]
                    d -= 1
                }
                if !valid { continue }
                for j in 0..<inner where lastMap[j] >= 0 { gi.pointer[o + lastMap[j]] += g.pointer[row * inner + j] }
            }
            return [gi]
        }
    }

    /// Picks `indices` along `axis` (torch.index_select).
    public func indexSelect(axis: Int, _ indices: [Int]) throws -> Tensor {
        let a = normalize(axis: axis)
        let n = shape[a]
        if let bad = indices.first(where: { $0 < 0 || $0 >= n }) {
            throw TensorError.invalidArgument(op: "index_select", "index \(bad) out of range 0..<\(n) on axis \(axis)")
        }
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
        var outShape = shape
        outShape[a] = indices.count
        let out = Tensor(uninitialized: outShape)
        for o in 0..<outer {
            for (k, i) in indices.enumerated() {
                (out.pointer + (o * indices.count + k) * inner).update(from: pointer + (o * n + i) * inner, count: inner)
            }
        }
        let inShape = shape
        return out.recording([self]) { g in
            let gi = Tensor.zeros(inShape)
            for o in 0..<outer {
                for (k, i) in indices.enumerated() {
                    let d = gi.pointer + (o * n + i) * inner, s = g.pointer + (o * indices.count + k) * inner
                    for j in 0..<inner { d[j] += s[j] }
                }
            }
            return [gi]
        }
    }

    /// Rows of an embedding table (vocab x dim) for ids of any shape; result is ids.shape + [dim].
    public func embedding(_ ids: [Int], shape idShape: [Int]) throws -> Tensor {
        try indexSelect(axis: 0, ids).reshape(idShape + [shape[1]])
    }

    /// torch.gather along `axis` with an index array of the output's shape.
    public func gather(axis: Int, index: [Int], shape idxShape: [Int]) throws -> Tensor {
        let a = normalize(axis: axis)
        guard idxShape.count == rank, index.count == Tensor.count(of: idxShape) else {
            throw TensorError.shapeMismatch(op: "gather", "index shape \(idxShape) vs input \(shape)")
        }
        let st = Tensor.strides(of: shape), ist = Tensor.strides(of: idxShape)
        let out = Tensor(uninitialized: idxShape)
        var srcIdx = [Int](repeating: 0, count: index.count)
        for k in 0..<index.count {
            var rem = k, o = 0
            for d in 0..<rank {
                let c = rem / ist[d]
                rem %= ist[d]
                let v = d == a ? index[k] : c
                guard v >= 0 && v < shape[d] else {
                    throw TensorError.invalidArgument(op: "gather", "index \(index[k]) out of range 0..<\(shape[a])")
                }
                o += v * st[d]
            }
            srcIdx[k] = o
            out.pointer[k] = pointer[o]
        }
        let inShape = shape
        return out.recording([self]) { g in
            let gi = Tensor.zeros(inShape)
            for k in 0..<srcIdx.count { gi.pointer[srcIdx[k]] += g.pointer[k] }
            return [gi]
        }
    }
}
