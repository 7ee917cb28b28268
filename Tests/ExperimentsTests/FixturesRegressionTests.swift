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
/// labels; predictions identical on ≥ 95% of rows; bytes within 2%; confidence within 0.05 where
/// the prediction agrees; MS-SSIM within 1e-3; PSNR within 0.1 dB. They are loose enough for a
/// different float summation order in the kernels (which flips the FGSM sign of a few pixels
/// whose gradient is almost zero, and so moves a codec's output slightly) and for other codec
/// library versions, and tight enough to catch a wrong codec setting, metric or model.
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
            XCTAssertEqual(Double(o.bytes), Double(e.bytes), accuracy: 0.02 * Double(e.bytes), "bytes of \(row)")
            XCTAssertEqual(o.msssim, e.msssim, accuracy: 1e-3, "MS-SSIM of \(row): expected \(e.msssim), got \(o.msssim)")
            if e.psnr.isInfinite { XCTAssertEqual(o.psnr, e.psnr, "PSNR of \(row)") } else {
                XCTAssertEqual(o.psnr, e.psnr, accuracy: 0.1, "PSNR of \(row)")
            }
            if o.pred == e.pred {
                samePrediction += 1
                XCTAssertEqual(o.confidence, e.confidence, accuracy: 0.05, "confidence of \(row)")
            }
        }
        XCTAssertGreaterThanOrEqual(Double(samePrediction) / Double(expected.count), 0.95,
                                    "\(samePrediction) of \(expected.count) predictions agree")
    }
}
