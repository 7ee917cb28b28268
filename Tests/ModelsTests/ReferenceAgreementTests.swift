import Imaging
import Models
import XCTest

/// The fast path against the independent PyTorch reference (Scripts/reference/efficientnet_reference.py).
final class ReferenceAgreementTests: XCTestCase {
    /// All 1000 logits of every fixture within 1e-3 (absolute) of the float64 reference.
    func testLogitsMatchReference() throws {
        let (reference, _) = try loadReference()
        let logits = try loadFastPass().logits
        for (i, expected) in reference.enumerated() {
            let worst = maxAbsDifference(logits[i].map(Double.init), expected.logits)
            XCTAssertLessThanOrEqual(worst.value, 1e-3,
                "\(expected.name): logit \(worst.index) expected \(expected.logits[worst.index]), "
                + "observed \(logits[i][worst.index]), error \(worst.value)")
            let top = Classification.top(5, of: logits[i])
            XCTAssertEqual(top.map(\.index), expected.top5, "\(expected.name): top-5 classes")
            for (rank, ranked) in top.enumerated() {
                XCTAssertEqual(Double(ranked.probability), expected.top5Probabilities[rank], accuracy: 1e-4,
                               "\(expected.name): probability of rank \(rank)")
            }
        }
    }

    /// Batch size does not change the result: the inference-only pass on one image equals the
    /// forward-and-backward pass on the batch of five.
    func testBatchedEqualsSingle() throws {
        let model = try loadModel()
        let (_, images) = try loadReference()
        let batched = try loadFastPass().logits
        let i = 3
        let single = try model.logits([images[i]])[0]
        let worst = maxAbsDifference(single.map(Double.init), batched[i].map(Double.init))
        XCTAssertLessThanOrEqual(worst.value, 1e-4, "\(fixtureNames[i]): logit \(worst.index) single "
            + "\(single[worst.index]) vs batched \(batched[i][worst.index])")
    }

    /// Input gradients at the clean top-1 label: cosine similarity ≥ 0.9999 with the reference, and
    /// FGSM eps = 4 signs agreeing on ≥ 99.9% of the pixels whose gradient is not negligible
    /// (|g| > 1e-3 · max |g|).
    func testInputGradientsMatchReference() throws {
        let (reference, images) = try loadReference()
        let (logits, gradients) = try loadFastPass()
        for (i, expected) in reference.enumerated() {
            XCTAssertEqual(Classification.top(1, of: logits[i])[0].index, expected.label, expected.name)
            let similarity = cosine(gradients[i], expected.gradient)
            XCTAssertGreaterThanOrEqual(similarity, 0.9999, "\(expected.name): gradient cosine similarity")
            let threshold = 1e-3 * (expected.gradient.map { abs($0) }.max() ?? 0)
            var considered = 0, agreeing = 0, fgsmEqual = 0
            for j in expected.gradient.indices {
                let g = gradients[i][j]
                let x = Int(images[i].pixels[j]) + (g > 0 ? 4 : (g < 0 ? -4 : 0))
                if UInt8(clamping: x) == expected.fgsm4[j] { fgsmEqual += 1 }
                guard abs(expected.gradient[j]) > threshold else { continue }
                considered += 1
                if (g > 0) == (expected.gradient[j] > 0) && g != 0 { agreeing += 1 }
            }
            let agreement = Double(agreeing) / Double(max(considered, 1))
            XCTAssertGreaterThanOrEqual(agreement, 0.999,
                "\(expected.name): signs agree on \(agreeing) of \(considered) non-negligible pixels")
            let fgsmAgreement = Double(fgsmEqual) / Double(expected.fgsm4.count)
            XCTAssertGreaterThanOrEqual(fgsmAgreement, 0.99,
                "\(expected.name): FGSM eps 4 image equal on \(fgsmEqual) of \(expected.fgsm4.count) samples")
        }
    }
}
