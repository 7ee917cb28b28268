import XCTest
@testable import Attacks
import _Support

final class LossTests: XCTestCase {
    private func logits(_ n: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<n).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(state >> 40) % 2000 - 1000) / 250
        }
    }

    /// Each loss's gradient against central differences of its own value, in the logits.
    func testGradientsMatchFiniteDifferences() {
        let z = logits(10, seed: 7)
        let shifted = z.enumerated().map { $0.offset == 3 ? $0.element + 1 : $0.element }
        let target = LossTarget(label: 3, cleanProbabilities: Softmax.probabilities(shifted))
        for loss in Losses.all {
            let (_, gradient) = loss.evaluate(logits: z, target: target)
            for k in z.indices {
                let h: Float = 1e-2
                var plus = z, minus = z
                plus[k] += h; minus[k] -= h
                let numeric = (loss.evaluate(logits: plus, target: target).value
                    - loss.evaluate(logits: minus, target: target).value) / Double(2 * h)
                XCTAssertEqual(Double(gradient[k]), numeric, accuracy: 2e-3, "\(loss.name) logit \(k)")
            }
        }
    }

    func testCrossEntropyIsMinusLogProbability() {
        let z: [Float] = [1, 2, 3]
        let (value, _) = CrossEntropyLoss().evaluate(logits: z, target: LossTarget(label: 0, cleanProbabilities: []))
        XCTAssertEqual(value, -log(exp(1.0) / (exp(1.0) + exp(2.0) + exp(3.0))), accuracy: 1e-6)
    }

    func testMarginIsTopOtherLogitMinusTrueLogit() {
        let (value, gradient) = MarginLoss().evaluate(logits: [0.5, 4, -1, 2], target: LossTarget(label: 3, cleanProbabilities: []))
        XCTAssertEqual(value, 2, accuracy: 1e-9)
        XCTAssertEqual(gradient, [0, 1, 0, -1])
    }

    /// At the clean image the seed's loss sits at its minimum: its gradient is rounding noise,
    /// orders of magnitude below the cross-entropy's.
    func testSeedSoftGradientVanishesAtTheCleanImage() {
        let z = logits(1000, seed: 11)
        let target = LossTarget(label: 0, cleanProbabilities: Softmax.probabilities(z))
        let seed = SeedSoftLoss().evaluate(logits: z, target: target).gradient
        let ce = CrossEntropyLoss().evaluate(logits: z, target: target).gradient
        let seedNorm = seed.map { Double(abs($0)) }.max()!
        let ceNorm = ce.map { Double(abs($0)) }.max()!
        XCTAssertLessThan(seedNorm, 1e-4 * ceNorm)
    }

    func testLossesAreFoundByName() {
        XCTAssertEqual(Losses.all.map(\.name), ["ce", "margin", "seed-soft"])
        XCTAssertEqual(Losses.named("margin")?.name, "margin")
        XCTAssertNil(Losses.named("hinge"))
    }
}
