import Foundation

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
