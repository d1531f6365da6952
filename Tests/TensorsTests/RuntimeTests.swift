import COpenBLAS
import Tensors
import XCTest

final class RuntimeTests: XCTestCase {
    func testBlasConfigNamesOpenBLAS() {
        XCTAssertTrue(Runtime.blasConfig.contains("OpenBLAS"), Runtime.blasConfig)
        XCTAssertGreaterThanOrEqual(Runtime.threadCount, 1)
    }

    func testParallelForVisitsEveryIndexOnce() {
        var hits = [Int](repeating: 0, count: 1000)
        hits.withUnsafeMutableBufferPointer { h in
            Runtime.parallelFor(1000) { h[$0] += 1 }
        }
        XCTAssertEqual(hits, [Int](repeating: 1, count: 1000))
    }
}


final class BLASCoreTests: XCTestCase {
    /// On a CPU with AVX2 or AVX-512, OpenBLAS never runs its generic Prescott kernels, even where it could not
    /// identify the CPU model (this machine kind's hypervisor hides it); an explicit OPENBLAS_CORETYPE is left alone.
    func testOpenBLASRunsTheKernelsTheCPUAllows() throws {
        let core = Runtime.blasCore
        XCTAssertTrue(Runtime.blasConfig.contains(core), "\(Runtime.blasConfig) vs \(core)")
        if let chosen = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] {
            XCTAssertEqual(core.lowercased(), chosen.lowercased())
        } else if foley_blas_core_for_cpu() != nil {
            XCTAssertNotEqual(core.lowercased(), "prescott", Runtime.blasConfig)
        }
        // The kernels still multiply: a 3x2 by 2x2 product against hand values.
        let a = Tensor(shape: [3, 2], data: [1, 2, 3, 4, 5, 6]), b = Tensor(shape: [2, 2], data: [1, 0, -1, 2])
        XCTAssertEqual(try a.matmul(b).scalars, [-1, 4, -1, 8, -1, 12])
    }
}
