import XCTest
@testable import _Kernels
import Tensors

// MARK: - Deterministic data


/// `count` uniform values in [-1, 1).
func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
    var rng = SeededGenerator(seed: seed)
    return (0..<count).map { _ in Float.random(in: -1..<1, using: &rng) }
}

// MARK: - Comparison

/// Checks `observed` against a Double `expected`, each with its own scale `Σ|terms|`: the
/// tolerance is `relative · scale`, which bounds Float32 summation error whatever the sign mix.
func assertClose(_ observed: [Float], _ expected: [Double], scale: [Double], relative: Double = 2e-5,
                 _ what: @autoclosure () -> String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(observed.count, expected.count, "\(what()): length", file: file, line: line)
    var failures = 0
    for i in 0..<min(observed.count, expected.count) {
        let error = abs(Double(observed[i]) - expected[i])
        let tolerance = relative * max(scale[i], 1e-3)
        if !(error <= tolerance) {
            failures += 1
            if failures <= 3 {
                XCTFail("\(what()) [\(i)]: expected \(expected[i]), observed \(observed[i]), error \(error) > \(tolerance)",
                        file: file, line: line)
            }
        }
    }
    if failures > 3 { XCTFail("\(what()): \(failures) elements differ in all", file: file, line: line) }
}
