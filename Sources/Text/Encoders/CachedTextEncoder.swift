import Foundation
import Tensors

/// A bounded least-recently-used map; `get` refreshes an entry, `set` evicts the oldest beyond `capacity`.
public final class LRUCache<Key: Hashable, Value> {
    public let capacity: Int
    private var values: [Key: Value] = [:]
    private var order: [Key] = []
    private let lock = NSLock()

    public init(capacity: Int) { self.capacity = Swift.max(0, capacity) }

    public var count: Int { lock.lock(); defer { lock.unlock() }; return values.count }

    public func get(_ key: Key) -> Value? {
        lock.lock(); defer { lock.unlock() }
        guard let v = values[key] else { return nil }
        if let i = order.firstIndex(of: key) { order.remove(at: i) }
        order.append(key)
        return v
    }

    public func set(_ key: Key, _ value: Value) {
        lock.lock(); defer { lock.unlock() }
        guard capacity > 0 else { return }
        if values.updateValue(value, forKey: key) != nil, let i = order.firstIndex(of: key) { order.remove(at: i) }
        order.append(key)
        while order.count > capacity { values.removeValue(forKey: order.removeFirst()) }
    }

    public func removeAll() {
        lock.lock(); defer { lock.unlock() }
        values.removeAll()
        order.removeAll()
    }
}

/// Wraps an encoder so an (ids, mask) batch seen before returns its stored encoding without recomputation.
/// The stored tensors are shared with callers: treat them as read-only.
public final class CachedTextEncoder: TextEncoder {
    struct Key: Hashable {
        let ids: [[Int]], mask: [[Int]]
    }

    public let base: any TextEncoder
    let cache: LRUCache<Key, TextEncoding>
    public private(set) var hits = 0
    public private(set) var misses = 0

    /// `capacity` is the number of distinct batches kept (least recently used dropped first).
    public init(_ base: any TextEncoder, capacity: Int = 64) {
        self.base = base
        cache = LRUCache(capacity: capacity)
    }

    public var hiddenSize: Int { base.hiddenSize }
    public var pooledSize: Int { base.pooledSize }
    public var maxLength: Int { base.maxLength }
    public var count: Int { cache.count }

    public func encode(ids: [[Int]], mask: [[Int]]) throws -> TextEncoding {
        let key = Key(ids: ids, mask: mask.map { $0.map { $0 != 0 ? 1 : 0 } })
        if let hit = cache.get(key) {
            hits += 1
            return hit
        }
        let enc = try base.encode(ids: ids, mask: mask)
        misses += 1
        cache.set(key, enc)
        return enc
    }

    public func removeAll() { cache.removeAll() }
}
