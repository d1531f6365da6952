import Tensors
import XCTest

/// Shared checks: values against a reference, and analytic gradients against central differences.
enum Check {
    static func close(_ a: [Float], _ b: [Float], tol: Float = 1e-5, _ msg: String = "", file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, "count \(msg)", file: file, line: line)
        let scale = max(1, b.map(abs).max() ?? 1)
        let err = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(err, tol * scale, "max abs error \(err) \(msg)", file: file, line: line)
    }

    static func random(_ shape: [Int], seed: UInt64 = 1) -> Tensor {
        Tensor.randn(shape, generator: RandomGenerator(seed: seed))
    }

    /// Compares backward() of sum(f(inputs) * r) with central finite differences for every input element.
    static func gradients(_ inputs: [Tensor], tol: Float = 2e-3, eps: Float = 1e-2, file: StaticString = #filePath, line: UInt = #line,
                          _ f: ([Tensor]) throws -> Tensor) throws {
        // Fresh leaves: inputs built from other ops would otherwise route gradients into their history.
        let inputs = inputs.map { $0.copy() }
        for t in inputs { t.requiresGrad = true; t.grad = nil }
        let y0 = try f(inputs)
        let r = random(y0.shape, seed: 99)
        let loss = try (y0 * r).sum()
        try loss.backward()
        for (k, t) in inputs.enumerated() {
            let analytic = t.grad?.scalars ?? [Float](repeating: 0, count: t.count)
            var numeric = [Float](repeating: 0, count: t.count)
            try GradMode.noGrad {
                for i in 0..<t.count {
                    let old = t.pointer[i]
                    t.pointer[i] = old + eps
                    let up = try Double((f(inputs) * r).sum().item)
                    t.pointer[i] = old - eps
                    let down = try Double((f(inputs) * r).sum().item)
                    t.pointer[i] = old
                    numeric[i] = Float((up - down) / Double(2 * eps))
                }
            }
            let scale = max(1, numeric.map(abs).max() ?? 1)
            let err = zip(analytic, numeric).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(err, tol * scale, "input \(k): gradient error \(err) (scale \(scale))", file: file, line: line)
        }
    }
}
