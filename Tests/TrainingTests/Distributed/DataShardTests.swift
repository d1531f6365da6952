import Tensors
@testable import Training
import XCTest

/// DistributedSampler's dealing: the ranks' batches of a step are exactly one process's batch of N x B.
final class DataShardTests: XCTestCase {
    func testPaddingRepeatsTheStartAndDroppingCuts() {
        let order = [4, 0, 3, 1, 2]
        XCTAssertEqual(DataShard(rank: 0, count: 2).dealt(order), [4, 0, 3, 1, 2, 4])
        XCTAssertEqual(DataShard(rank: 0, count: 4).dealt(order), [4, 0, 3, 1, 2, 4, 0, 3])
        XCTAssertEqual(DataShard(rank: 1, count: 2, dropRemainder: true).dealt(order), [4, 0, 3, 1])
        XCTAssertEqual(DataShard.single.dealt(order), order)
        XCTAssertEqual(DataShard(rank: 0, count: 2).shardLength(5), 3)
        XCTAssertEqual(DataShard(rank: 0, count: 2, dropRemainder: true).shardLength(5), 2)
    }

    func testRanksTakeInterleavedPositions() {
        let all = Array(0..<8)
        XCTAssertEqual(DataShard(rank: 0, count: 2).mine(all), [0, 2, 4, 6])
        XCTAssertEqual(DataShard(rank: 1, count: 2).mine(all), [1, 3, 5, 7])
        XCTAssertEqual(DataShard(rank: 2, count: 3).mine(all), [2, 5])
    }

    /// Per-sample draws: each rank's rows are the rows one process drawing for the whole batch would give them.
    func testDrawsAndNoiseAreTheGlobalBatchsRows() {
        let one = RandomGenerator(seed: 9)
        let globalSteps = (0..<6).map { _ in one.nextInt(1000) }
        let globalNoise = Tensor.randn([6, 2, 3], generator: one)
        for rank in 0..<2 {
            let shard = DataShard(rank: rank, count: 2)
            let g = RandomGenerator(seed: 9)
            XCTAssertEqual(shard.draws(3) { g.nextInt(1000) }, shard.mine(globalSteps))
            let noise = shard.randn([3, 2, 3], generator: g)
            XCTAssertEqual(noise.shape, [3, 2, 3])
            for j in 0..<3 {
                XCTAssertEqual(Array(noise.scalars[(j * 6)..<(j * 6 + 6)]), Array(globalNoise.scalars[((2 * j + rank) * 6)..<((2 * j + rank) * 6 + 6)]))
            }
        }
    }

    /// Two ranks' loaders with batch 2 hand out, step by step, the crops and captions of one loader with batch 4.
    func testShardedLoadersAddUpToOneLoader() throws {
        let root = try TrainFixture.tempDir("shard")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = try MelDataset(folder: TrainFixture.dataset(root, count: 6).path, split: "train")
        let single = try DataLoader(dataset: data, batchSize: 4, frames: 16, seed: 5, prefetch: false)
        let ranks = try (0..<2).map { try DataLoader(dataset: data, batchSize: 2, frames: 16, seed: 5, prefetch: false, shard: DataShard(rank: $0, count: 2)) }
        XCTAssertEqual(single.batchesPerEpoch, 2)
        XCTAssertEqual(ranks[0].batchesPerEpoch, 2)
        for _ in 0..<4 {
            let whole = try single.next()
            let parts = try ranks.map { try $0.next() }
            XCTAssertEqual(parts[0].position, whole.position)
            for (j, id) in whole.ids.enumerated() {
                let part = parts[j % 2], k = j / 2
                XCTAssertEqual(part.ids[k], id)
                XCTAssertEqual(part.captions[k], whole.captions[j])
                let row = 16 * data.melBins
                XCTAssertEqual(Array(part.mel.scalars[(k * row)..<((k + 1) * row)]), Array(whole.mel.scalars[(j * row)..<((j + 1) * row)]))
            }
            XCTAssertEqual(parts[0].shard, DataShard(rank: 0, count: 2))
        }
    }

    func testResumePositionKeepsTheSamplesSeen() {
        let p = DataLoader.Position(epoch: 3, batch: 5)
        XCTAssertEqual(DataShard.position(p, from: 2, to: 1), DataLoader.Position(epoch: 3, batch: 10))
        XCTAssertEqual(DataShard.position(p, from: 1, to: 2), DataLoader.Position(epoch: 3, batch: 2))
        XCTAssertEqual(DataShard.position(p, from: 2, to: 2), p)
    }
}
