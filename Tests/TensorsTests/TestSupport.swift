import Foundation
import Tensors
import XCTest

// MARK: - Finite differences

/// Checks every analytic gradient of `function` against central finite differences.
///
/// The objective is `L = Σ output · R` for a fixed random upstream `R` (seeded), so every output
/// element matters. Analytic gradients come from `backward(seed: R)`. Numeric ones perturb each
/// input element by ±`epsilon` in Float, evaluate the Float forward, accumulate `L` in Double and
/// divide by the actual (representable) step. Tolerance: for each input,
/// `max |analytic − numeric| ≤ tolerance · max(max |numeric|, 1e-3)`. With `epsilon = 1e-2` the
/// truncation error is O(ε²) ≈ 1e-4 relative and Float rounding in `L` adds ≈ 1e-7·Σ|out·R|/ε,
/// so `tolerance = 1e-2` has a wide margin for the small tensors used here.
func assertGradientsMatchFiniteDifferences(
    _ inputs: [Tensor], epsilon: Float = 1e-2, tolerance: Double = 1e-2, seed: UInt64 = 7,
    _ message: String = "", file: StaticString = #filePath, line: UInt = #line,
    _ function: @escaping ([Tensor]) -> Tensor
) {
    for input in inputs {
        input.requiresGrad = true
        input.zeroGradient()
    }
    let output = function(inputs)
    var generator = SeededGenerator(seed: seed)
    let upstream = Tensor.randomUniform(output.shape, lower: -1, upper: 1, generator: &generator)
    output.backward(seed: upstream)

    func objective() -> Double {
        let value = withoutGradients { function(inputs) }
        XCTAssertEqual(value.shape, output.shape, "forward shape changed under perturbation", file: file, line: line)
        return zip(value.scalars, upstream.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    for (index, input) in inputs.enumerated() {
        guard let analytic = input.grad else {
            XCTFail("\(message) input \(index): no gradient was accumulated", file: file, line: line)
            continue
        }
        XCTAssertEqual(analytic.shape, input.shape, file: file, line: line)
        var numeric = [Double](repeating: 0, count: input.count)
        for j in 0..<input.count {
            let original = input.scalars[j]
            let plus = original + epsilon, minus = original - epsilon
            input.withUnsafeMutableBufferPointer { $0[j] = plus }
            let up = objective()
            input.withUnsafeMutableBufferPointer { $0[j] = minus }
            let down = objective()
            input.withUnsafeMutableBufferPointer { $0[j] = original }
            numeric[j] = (up - down) / (Double(plus) - Double(minus))
        }
        let scale = max(numeric.map(abs).max() ?? 0, 1e-3)
        var worst = 0
        var worstError = 0.0
        for j in 0..<input.count {
            let error = abs(Double(analytic.scalars[j]) - numeric[j])
            if error > worstError { worstError = error; worst = j }
        }
        XCTAssertLessThanOrEqual(
            worstError, tolerance * scale,
            "\(message) input \(index) \(input.shape) element \(worst): expected (finite difference) \(numeric[worst]), "
                + "observed (backward) \(analytic.scalars[worst]), error \(worstError) > \(tolerance) × \(scale)",
            file: file, line: line)
    }
}

// MARK: - Comparisons

/// Asserts `observed ≈ expected` elementwise: `|o − e| ≤ absolute + relative·|e|`, and equal shapes.
/// On failure prints the worst element with expected, observed and error.
func assertClose(_ observed: Tensor, _ expected: Tensor, relative: Float = 1e-4, absolute: Float = 1e-5,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(observed.shape, expected.shape, "\(message): shape", file: file, line: line)
    guard observed.count == expected.count else { return }
    var worst = -1
    var worstExcess: Float = 0
    for i in 0..<observed.count {
        let e = expected.scalars[i], o = observed.scalars[i]
        let excess = o.isNaN != e.isNaN ? Float.infinity : abs(o - e) - (absolute + relative * abs(e))
        if excess > worstExcess { worstExcess = excess; worst = i }
    }
    if worst >= 0 {
        let e = expected.scalars[worst], o = observed.scalars[worst]
        XCTFail("\(message) element \(worst) of \(expected.shape): expected \(e), observed \(o), error \(abs(o - e)) "
                + "(tolerance \(absolute) + \(relative)·|expected|)", file: file, line: line)
    }
}

// MARK: - Fixtures

/// Random tensors for gradient checks: uniform in ±`scale`, pushed at least `margin` away from 0
/// so that ReLU-like kinks are never crossed by a finite-difference step.
func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1, margin: Float = 0) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    let t = Tensor.randomUniform(shape, lower: -scale, upper: scale, generator: &generator)
    guard margin > 0 else { return t }
    return Tensor(shape: shape, scalars: t.scalars.map { $0 >= 0 ? $0 + margin : $0 - margin })
}

/// The golden values written by `Scripts/reference/tensor_golden.py` (PyTorch), read with the
/// package's own safetensors reader. Fails the test (never skips) when the file is missing.
enum Golden {
    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Golden/tensor_golden.safetensors")

    static func load() throws -> [String: Tensor] {
        try SafeTensors.read(contentsOf: url)
    }
}

extension Dictionary where Key == String, Value == Tensor {
    /// The golden tensor `name`, failing with its name when absent.
    func golden(_ name: String) throws -> Tensor {
        guard let tensor = self[name] else { throw GoldenMissing(name: name) }
        return tensor
    }
}

struct GoldenMissing: Error, CustomStringConvertible {
    let name: String
    var description: String { "golden tensor '\(name)' not found; re-run Scripts/reference/tensor_golden.py" }
}
