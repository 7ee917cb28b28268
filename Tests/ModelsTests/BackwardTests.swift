import Imaging
import Models
import XCTest

/// The hand-written backward pass of the fast path, against the tape and against finite differences.
final class BackwardTests: XCTestCase {
    /// Fast (folded BN, hand-written backward) and tape (unfused BN, autodiff) give the same
    /// logits and input gradients.
    func testFastPathMatchesTape() throws {
        let model = try loadModel()
        let (reference, images) = try loadReference()
        let fast = try loadFastPass()
        let i = 2
        let tape = try model.tapeLogitsAndInputGradients([images[i]], labels: [reference[i].label])
        let worst = maxAbsDifference(fast.logits[i].map(Double.init), tape.logits[0].map(Double.init))
        XCTAssertLessThanOrEqual(worst.value, 2e-4, "\(fixtureNames[i]): logit \(worst.index) fast "
            + "\(fast.logits[i][worst.index]) vs tape \(tape.logits[0][worst.index])")
        let similarity = cosine(fast.gradients[i], tape.gradients[0])
        XCTAssertGreaterThanOrEqual(similarity, 0.99999, "\(fixtureNames[i]): fast vs tape gradient cosine")
    }

    /// Central differences of the loss along two directions (the gradient's sign, and a seeded
    /// random ±1 pattern) agree with the directional derivative `g · d` within 2%.
    func testGradientMatchesFiniteDifferences() throws {
        let model = try loadModel()
        let (reference, images) = try loadReference()
        let label = reference[0].label
        let x = images[0].pixels.map(Float.init)
        let g = try loadFastPass().gradients[0]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let random = x.indices.map { _ -> Float in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 63 == 0 ? -1 : 1
        }
        let directions: [(String, [Float], Float)] = [("sign(g)", g.map { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }, 0.004),
                                                      ("random ±1", random, 0.25)]
        for (name, d, h) in directions {
            let plus = zip(x, d).map { $0 + h * $1 }, minus = zip(x, d).map { $0 - h * $1 }
            let logits = try model.logits(pixels: plus + minus, count: 2, height: 224, width: 224)
            let difference = (crossEntropy(logits[0], label) - crossEntropy(logits[1], label)) / (2 * Double(h))
            let analytic = zip(g, d).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            XCTAssertEqual(difference, analytic, accuracy: 0.02 * abs(analytic),
                           "direction \(name): central difference \(difference), g·d \(analytic)")
        }
    }

    /// `CE(z, y) = logsumexp(z) − z_y`, in Double.
    private func crossEntropy(_ logits: [Float], _ label: Int) -> Double {
        let peak = Double(logits.max()!)
        return peak + log(logits.reduce(0.0) { $0 + exp(Double($1) - peak) }) - Double(logits[label])
    }

    /// Each image's gradient is that of its own loss: batching does not mix them. The single
    /// image goes through the float-pixel entry point, which must agree with the 8-bit one.
    func testBatchedGradientsEqualSingle() throws {
        let model = try loadModel()
        let (reference, images) = try loadReference()
        let batched = try loadFastPass().gradients
        let single = try model.logitsAndInputGradients(pixels: images[1].pixels.map(Float.init), count: 1,
                                                       height: 224, width: 224, labels: [reference[1].label])
        XCTAssertGreaterThanOrEqual(cosine(batched[1], single.gradients[0]), 0.999999,
                                    "batched vs single gradient of \(fixtureNames[1])")
    }

    /// Bad labels and mixed sizes are errors, not crashes.
    func testRejectsBadLabelsAndSizes() throws {
        let model = try loadModel()
        let image = RGBImage(width: 224, height: 224)
        XCTAssertThrowsError(try model.inputGradients([image], labels: [1000])) { error in
            XCTAssertTrue("\(error)".contains("label 1000"), "\(error)")
        }
        XCTAssertThrowsError(try model.inputGradients([image, image], labels: [1])) { error in
            XCTAssertTrue("\(error)".contains("1 labels for 2 images"), "\(error)")
        }
        XCTAssertThrowsError(try model.logits([image, RGBImage(width: 100, height: 224)])) { error in
            XCTAssertTrue("\(error)".contains("image 1 is 100×224"), "\(error)")
        }
        XCTAssertThrowsError(try model.logits(pixels: [1, 2, 3], count: 1, height: 2, width: 2)) { error in
            XCTAssertTrue("\(error)".contains("3 values for 1 images of 2×2×3"), "\(error)")
        }
        XCTAssertEqual(try model.logits([]).count, 0)
    }
}
