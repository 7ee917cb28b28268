import XCTest
@testable import Attacks
import Imaging
import Models
import Tensors
import _Support
import _TestSupport

/// The attacks and threats on the real EfficientNet-Lite0 and the real codecs.
final class AttackTests: XCTestCase {
    private static let model = Result { try EfficientNetLite() }
    private var model: EfficientNetLite { get throws { try Self.model.get() } }

    private func chelsea() throws -> RGBImage {
        try model.view(ImageFile.read(repositoryRoot.appendingPathComponent("Fixtures/images/chelsea.png").path))
    }

    private func linf(_ a: RGBImage, _ b: RGBImage) -> Int {
        zip(a.pixels, b.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
    }

    func testPGDStaysInTheBallIsSeededAndBeatsFGSM() throws {
        let model = try model, x0 = try chelsea()
        let target = try model.target(clean: x0)
        let threat = ModelOnlyThreat.oblivious(model)
        let pgd = PGD(steps: 5)
        let a = try pgd.perturb(x0, eps: 2, threat: threat, loss: CrossEntropyLoss(), target: target, seed: 1)
        let b = try pgd.perturb(x0, eps: 2, threat: threat, loss: CrossEntropyLoss(), target: target, seed: 1)
        let c = try pgd.perturb(x0, eps: 2, threat: threat, loss: CrossEntropyLoss(), target: target, seed: 2)
        XCTAssertEqual(a, b, "the same seed gives the same image")
        XCTAssertNotEqual(a, c, "another seed starts elsewhere")
        XCTAssertLessThanOrEqual(linf(a, x0), 2)
        let fgsm = try FGSM().perturb(x0, eps: 2, threat: threat, loss: CrossEntropyLoss(), target: target, seed: 0)
        XCTAssertEqual(linf(fgsm, x0), 2)
        let lossOf = { (image: RGBImage) in try threat.lossGradient(FloatImage(image), loss: CrossEntropyLoss(), target: target).value }
        XCTAssertGreaterThan(try lossOf(a), try lossOf(fgsm), "PGD-5 ascends the loss further than FGSM")
        XCTAssertEqual(try pgd.perturb(x0, eps: 0, threat: threat, loss: CrossEntropyLoss(), target: target, seed: 1), x0)
    }

    func testRestartsKeepTheHighestLoss() throws {
        let model = try model, x0 = try chelsea()
        let target = try model.target(clean: x0)
        let threat = ModelOnlyThreat.oblivious(model)
        let lossOf = { (image: RGBImage) in try threat.lossGradient(FloatImage(image), loss: MarginLoss(), target: target).value }
        let three = try PGD(steps: 2, restarts: 3).perturb(x0, eps: 1, threat: threat, loss: MarginLoss(), target: target, seed: 5)
        let first = try PGD(steps: 2).perturb(x0, eps: 1, threat: threat, loss: MarginLoss(), target: target, seed: 5)
        XCTAssertLessThanOrEqual(linf(three, x0), 1)
        XCTAssertGreaterThanOrEqual(try lossOf(three), try lossOf(first), "restart 0 is the single run; the best of three is no worse")
    }

    func testBPDAGradientIsTheModelGradientAtTheDecodedImage() throws {
        let model = try model, x0 = try chelsea()
        let target = try model.target(clean: x0)
        let setting = try CodecSetting(parsing: "jpeg:50")
        let x = FloatImage(width: x0.width, height: x0.height, pixels: x0.pixels.map { Float($0) + 0.3 })
        let bpda = try BPDAThreat(model: model, setting: setting).lossGradient(x, loss: CrossEntropyLoss(), target: target)
        let decoded = try roundTrip(x.rounded(), setting).decoded
        let direct = try model.lossGradient(FloatImage(decoded), loss: CrossEntropyLoss(), target: target)
        XCTAssertEqual(bpda.gradient, direct.gradient)
        XCTAssertEqual(bpda.value, direct.value)
    }

    func testEOTAveragesTheBPDAGradientsOfItsSettings() throws {
        let model = try model, x0 = try chelsea()
        let target = try model.target(clean: x0)
        let settings = try ["jpeg:25", "jpeg:75"].map(CodecSetting.init(parsing:))
        let x = FloatImage(x0)
        let eot = try EOTThreat(model: model, settings: settings).lossGradient(x, loss: CrossEntropyLoss(), target: target)
        let parts = try settings.map { try BPDAThreat(model: model, setting: $0).lossGradient(x, loss: CrossEntropyLoss(), target: target) }
        for i in stride(from: 0, to: x.pixels.count, by: 997) {
            XCTAssertEqual(eot.gradient[i], (parts[0].gradient[i] + parts[1].gradient[i]) / 2, accuracy: 1e-9)
        }
        XCTAssertEqual(eot.value, (parts[0].value + parts[1].value) / 2, accuracy: 1e-9)
    }

    func testDifferentiableJPEGThreatsPullTheModelGradientBack() throws {
        let model = try model, x0 = try chelsea()
        let target = try model.target(clean: x0)
        let x = FloatImage(x0)
        let jpeg = DifferentiableJPEG(quality: 50)
        let soft = try DifferentiableJPEGThreat.differentiable(model: model, quality: 50).lossGradient(x, loss: CrossEntropyLoss(), target: target)
        let seen = FloatImage(width: x.width, height: x.height, pixels: jpeg.forward(x.pixels, width: x.width, height: x.height))
        let atSeen = try model.lossGradient(seen, loss: CrossEntropyLoss(), target: target)
        XCTAssertEqual(soft.gradient, jpeg.pullback(x.pixels, width: x.width, height: x.height, outputGradient: atSeen.gradient))
        let hard = try DifferentiableJPEGThreat.bpda(model: model, quality: 50).lossGradient(x, loss: CrossEntropyLoss(), target: target)
        let decoded = try roundTrip(x0, CodecSetting(parsing: "jpeg:50")).decoded
        let atDecoded = try model.lossGradient(FloatImage(decoded), loss: CrossEntropyLoss(), target: target)
        XCTAssertEqual(hard.value, atDecoded.value)
        XCTAssertEqual(hard.gradient, jpeg.pullback(x.pixels, width: x.width, height: x.height, outputGradient: atDecoded.gradient))
    }

    /// The fast path's gradient of each loss matches central differences of the loss along a
    /// random direction, in the model's own pixels.
    func testLossGradientsMatchFiniteDifferencesThroughTheModel() throws {
        let model = try model, x0 = try chelsea()
        let target = try model.target(clean: x0)
        var generator = SeededGenerator(seed: 3)
        let direction = (0..<x0.pixels.count).map { _ in generator.nextUniform() - 0.5 }
        let x = FloatImage(x0)
        for loss in [CrossEntropyLoss(), MarginLoss()] as [any Loss] {
            let g = try model.lossGradient(x, loss: loss, target: target)
            let h: Float = 0.05
            let plus = FloatImage(width: x.width, height: x.height, pixels: zip(x.pixels, direction).map { $0 + h * $1 })
            let minus = FloatImage(width: x.width, height: x.height, pixels: zip(x.pixels, direction).map { $0 - h * $1 })
            let numeric = (try model.lossGradient(plus, loss: loss, target: target).value
                - model.lossGradient(minus, loss: loss, target: target).value) / Double(2 * h)
            let analytic = zip(g.gradient, direction).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            XCTAssertEqual(analytic, numeric, accuracy: 0.02 * abs(numeric) + 1e-4, loss.name)
        }
    }

    func testLinfBallProjectsOntoTheBudgetAndThePixelRange() {
        let ball = LinfBall(center: [0, 100, 255], radius: 4)
        var x: [Float] = [0, 100, 255]
        ball.step(&x, gradient: [-1, 1, 1], stepSize: 3)
        XCTAssertEqual(x, [0, 103, 255])
        ball.step(&x, gradient: [1, 1, -1], stepSize: 3)
        XCTAssertEqual(x, [3, 104, 252])
        var generator = SeededGenerator(seed: 9)
        let start = ball.randomPoint(&generator)
        for (x, c) in zip(start, ball.center) { XCTAssertTrue(abs(x - c) <= 4 && x >= 0 && x <= 255) }
    }
}
