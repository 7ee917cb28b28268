import Experiments
import Imaging
import Models
import XCTest

/// CI's regression check: a small sweep of the five fixture photos with the real model and real
/// codecs, compared with the committed Fixtures/expected/fixtures-results.csv, made by
///
///     sanitize evaluate Fixtures/images --eps 0,2,8 --codec jpeg:50 --codec webp:50 \
///         --codec jpeg2000:20 --output Fixtures/expected/fixtures-results.csv
///
/// Tolerances (documented in Fixtures/README.md): the same rows in the same order; identical
/// labels; predictions identical on ≥ 95% of rows; bytes within 1% (codec library versions may
/// differ across distributions); confidence within 0.01 where the prediction agrees; MS-SSIM
/// within 1e-4; PSNR within 0.01 dB.
final class FixturesRegressionTests: XCTestCase {
    func testSmallFixtureSweepMatchesTheCommittedResults() throws {
        let expectedPath = repositoryRoot.appendingPathComponent("Fixtures/expected/fixtures-results.csv").path
        let expected = try ResultRow.readAll(path: expectedPath)
        XCTAssertEqual(expected.count, 5 * 3 * 4)

        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let plan = try SweepPlan(epsilons: [0, 2, 8],
                                 settings: ["jpeg:50", "webp:50", "jpeg2000:20"].map(CodecSetting.init(parsing:)),
                                 weights: "test")
        let output = folder.appendingPathComponent("results.csv").path
        let file = try ResultsFile(path: output, header: ResultRow.header, settings: plan.recordedSettings, resume: false)
        let fixtures = repositoryRoot.appendingPathComponent("Fixtures/images")
        let names = ["astronaut.png", "chelsea.png", "coffee.png", "hubble_deep_field.png", "rocket.png"]
        let skipped = try Sweep(plan: plan, classifier: try EfficientNetLite0())
            .run(images: names.map { ($0, fixtures.appendingPathComponent($0).path) }, results: file)
        XCTAssertTrue(skipped.isEmpty, "\(skipped)")
        let observed = try ResultRow.readAll(path: output)

        XCTAssertEqual(observed.map(\.key), expected.map(\.key), "rows and their order")
        var samePrediction = 0
        for (o, e) in zip(observed, expected) {
            let row = "\(e.image) eps \(e.eps) \(e.codec):\(e.quality)"
            XCTAssertEqual(o.label, e.label, "label of \(row)")
            XCTAssertEqual(Double(o.bytes), Double(e.bytes), accuracy: 0.01 * Double(e.bytes), "bytes of \(row)")
            XCTAssertEqual(o.msssim, e.msssim, accuracy: 1e-4, "MS-SSIM of \(row): expected \(e.msssim), got \(o.msssim)")
            if e.psnr.isInfinite { XCTAssertEqual(o.psnr, e.psnr, "PSNR of \(row)") } else {
                XCTAssertEqual(o.psnr, e.psnr, accuracy: 0.01, "PSNR of \(row)")
            }
            if o.pred == e.pred {
                samePrediction += 1
                XCTAssertEqual(o.confidence, e.confidence, accuracy: 0.01, "confidence of \(row)")
            }
        }
        XCTAssertGreaterThanOrEqual(Double(samePrediction) / Double(expected.count), 0.95,
                                    "\(samePrediction) of \(expected.count) predictions agree")
    }
}
