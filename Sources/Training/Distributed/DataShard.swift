import Foundation
import Tensors

/// This rank's share of every batch, as torch's DistributedSampler deals it: the epoch's shuffled order is padded
/// (repeating its start) or cut to a multiple of the rank count, and rank r takes positions r, r+N, r+2N...
///
/// So step k's batches of the N ranks together are exactly the k-th batch of N x B of one process, and anything
/// drawn per sample (crop starts, noise, timesteps, caption dropout) is drawn for that whole global batch on every
/// rank, each keeping its own rows: the union of the ranks' steps is the single process's step.
public struct DataShard: Equatable, Sendable {
    public var rank: Int
    public var count: Int
    /// Cut the epoch's order to a multiple of `count` instead of padding it (DistributedSampler's drop_last).
    public var dropRemainder: Bool

    public init(rank: Int = 0, count: Int = 1, dropRemainder: Bool = false) {
        self.rank = rank
        self.count = count
        self.dropRemainder = dropRemainder
    }

    /// One process: every position is this rank's.
    public static let single = DataShard()

    /// The epoch's order dealt to `count` ranks: padded with its own start, or cut.
    public func dealt(_ order: [Int]) -> [Int] {
        guard count > 1, order.count % count != 0 else { return order }
        if dropRemainder { return Array(order.prefix(order.count / count * count)) }
        var out = order
        while out.count % count != 0 { out.append(order[(out.count - order.count) % order.count]) }
        return out
    }

    /// Clips this rank sees per epoch.
    public func shardLength(_ clips: Int) -> Int {
        dropRemainder ? clips / count : (clips + count - 1) / count
    }

    /// Whether global position `i` of a batch is this rank's.
    public func owns(_ i: Int) -> Bool { i % count == rank }

    /// `local` draws for each rank, made in global order on every rank; this rank's.
    public func draws<T>(_ local: Int, _ draw: () -> T) -> [T] {
        let all = (0..<(local * count)).map { _ in draw() }
        return mine(all)
    }

    /// `local` draws for each rank in global order: the whole global batch's (every rank makes the same).
    public func globalDraws<T>(_ local: Int, _ draw: () -> T) -> [T] {
        (0..<(local * count)).map { _ in draw() }
    }

    /// This rank's entries of a global per-sample array.
    public func mine<T>(_ all: [T]) -> [T] {
        count == 1 ? all : stride(from: rank, to: all.count, by: count).map { all[$0] }
    }

    /// Standard normal rows for a local batch `shape` (rows first): the global batch's noise, this rank's rows.
    public func randn(_ shape: [Int], generator: RandomGenerator) -> Tensor {
        guard count > 1 else { return Tensor.randn(shape, generator: generator) }
        var global = shape
        global[0] *= count
        let all = Tensor.randn(global, generator: generator)
        let row = shape.dropFirst().reduce(1, *)
        let out = Tensor.zeros(shape)
        for j in 0..<shape[0] {
            (out.pointer + j * row).update(from: all.pointer + (j * count + rank) * row, count: row)
        }
        return out
    }

    /// The loader position of a run resumed on `count` ranks from one written by `from` ranks: the same epoch, at
    /// the first global batch not yet wholly seen (so at most one batch's clips are seen twice).
    public static func position(_ p: DataLoader.Position, from: Int, to: Int) -> DataLoader.Position {
        guard from != to, from > 0, to > 0 else { return p }
        return DataLoader.Position(epoch: p.epoch, batch: p.batch * from / to)
    }
}
