import Tensors
import Training
import XCTest

/// Finite-difference checks of the two gradient paths training uses: input gradients (PGD in
/// both poisons) and parameter gradients (training), through the real `SmallCNN`.
///
/// A directional derivative `g · v` along a random direction v is compared with the central
/// difference `(L(θ + h v) − L(θ − h v)) / 2h`. Summing over all coordinates makes the check
/// sensitive to any wrong entry while keeping Float32 round-off small relative to the signal.
final class GradientCheckTests: XCTestCase {
    private func assertRelativelyClose(_ analytic: Double, _ numeric: Double, tolerance: Double, _ what: String,
                                       line: UInt = #line) {
        let error = abs(analytic - numeric) / max(abs(numeric), 1e-6)
        XCTAssertLessThanOrEqual(error, tolerance,
                                 "\(what): expected (finite difference) \(numeric), observed (backward) \(analytic), relative error \(error)",
                                 line: line)
    }

    private func tinyModel(seed: UInt64) -> SmallCNN {
        SmallCNN(height: 8, width: 8, channels: 1, classCount: 4, widths: (3, 4), seed: seed)
    }

    func testInputGradientMatchesFiniteDifferences() {
        for seed: UInt64 in [1, 2, 3] {
            let model = tinyModel(seed: seed)
            var generator = SeededGenerator(seed: seed &* 77)
            let pixels = (0 ..< 2 * 64).map { _ in 20 + 215 * generator.nextUniform() }
            let labels = [Int(seed % 4), Int((seed + 1) % 4)]
            let (_, gradient) = InputGradient.crossEntropy(model: model, pixels: pixels, labels: labels)
            let direction = (0 ..< pixels.count).map { _ in 2 * generator.nextUniform() - 1 }
            let h: Float = 0.05
            func loss(_ t: Float) -> Double {
                Double(InputGradient.crossEntropy(model: model, pixels: zip(pixels, direction).map { $0 + t * $1 }, labels: labels).loss)
            }
            let numeric = (loss(h) - loss(-h)) / Double(2 * h)
            let analytic = zip(gradient, direction).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            assertRelativelyClose(analytic, numeric, tolerance: 0.02, "input directional derivative, seed \(seed)")
            XCTAssertTrue(model.parameters.allSatisfy { $0.tensor.requiresGrad && $0.tensor.grad == nil },
                          "input gradients must not touch parameter gradients or their tracking")
        }
    }

    func testInputGradientSingleCoordinates() {
        let model = tinyModel(seed: 9)
        var generator = SeededGenerator(seed: 5)
        let pixels = (0 ..< 64).map { _ in 255 * generator.nextUniform() }
        let (_, gradient) = InputGradient.crossEntropy(model: model, pixels: pixels, labels: [2])
        let largest = gradient.indices.sorted { abs(gradient[$0]) > abs(gradient[$1]) }.prefix(5)
        for i in largest {
            let h: Float = 0.25
            var plus = pixels, minus = pixels
            plus[i] += h
            minus[i] -= h
            let numeric = (Double(InputGradient.crossEntropy(model: model, pixels: plus, labels: [2]).loss)
                - Double(InputGradient.crossEntropy(model: model, pixels: minus, labels: [2]).loss)) / Double(2 * h)
            assertRelativelyClose(Double(gradient[i]), numeric, tolerance: 0.05, "∂loss/∂pixel[\(i)]")
        }
    }

    func testParameterGradientsMatchFiniteDifferences() {
        let model = tinyModel(seed: 4)
        var generator = SeededGenerator(seed: 11)
        let images = Tensor(shape: [6, 8, 8, 1], scalars: (0 ..< 6 * 64).map { _ in generator.nextUniform() })
        let labels = [0, 1, 2, 3, 0, 1]
        func loss() -> Tensor { model.logits(images, training: true).crossEntropy(labels: labels, reduction: .sum) }
        for (_, p) in model.parameters { p.zeroGradient() }
        loss().backward()
        for (name, parameter) in model.parameters {
            let gradient = parameter.grad?.scalars ?? []
            XCTAssertEqual(gradient.count, parameter.count, "\(name) has no gradient")
            let original = parameter.scalars
            let direction = (0 ..< parameter.count).map { _ in 2 * generator.nextUniform() - 1 }
            let h: Float = 1e-3
            func shifted(_ t: Float) -> Double {
                parameter.assign(Tensor(shape: parameter.shape, scalars: zip(original, direction).map { $0 + t * $1 }))
                defer { parameter.assign(Tensor(shape: parameter.shape, scalars: original)) }
                return Double(withoutGradients { loss() }.item)
            }
            let numeric = (shifted(h) - shifted(-h)) / Double(2 * h)
            let analytic = zip(gradient, direction).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            assertRelativelyClose(analytic, numeric, tolerance: 0.02, "directional derivative of \(name)")
        }
    }
}
