@testable import Attacks
import Imaging
import XCTest

final class FGSMTests: XCTestCase {
    func testStepsBySignAndClips() {
        let image = RGBImage(width: 2, height: 1, pixels: [0, 100, 255, 10, 253, 128])
        let gradient: [Float] = [-1, 2, 0.5, 0, -1e-9, 3]
        let adversarial = FGSM.perturb(image, gradient: gradient, eps: 4)
        XCTAssertEqual(adversarial.pixels, [0, 104, 255, 10, 249, 132])
    }

    func testZeroBudgetIsIdentity() {
        let image = RGBImage(width: 1, height: 1, pixels: [1, 2, 3])
        XCTAssertEqual(FGSM.perturb(image, gradient: [1, -1, 1], eps: 0), image)
    }

    func testLeastSignificantBitBudgets() {
        XCTAssertEqual([2, 4, 6, 8].map(FGSM.budget(bits:)), [3, 15, 63, 255])
    }

    func testPredictionIsSoftmaxTop1() {
        let p = Prediction(logits: [1, 3, 2])
        XCTAssertEqual(p.label, 1)
        let expected = exp(3.0) / (exp(1.0) + exp(3.0) + exp(2.0))
        XCTAssertEqual(p.confidence, expected, accuracy: 1e-12, "expected \(expected), got \(p.confidence)")
    }
}
