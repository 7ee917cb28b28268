@testable import Experiments
import Imaging
import XCTest

/// The sweep's plumbing with a toy classifier on the fixture photos and real codecs.
final class SweepTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func images() throws -> [(name: String, path: String)] {
        let fixtures = repositoryRoot.appendingPathComponent("Fixtures/images")
        let bad = folder.appendingPathComponent("broken.png")
        try Data("not an image".utf8).write(to: bad)
        return [("chelsea.png", fixtures.appendingPathComponent("chelsea.png").path),
                ("broken.png", bad.path),
                ("coffee.png", fixtures.appendingPathComponent("coffee.png").path),
                ("rocket.png", fixtures.appendingPathComponent("rocket.png").path)]
    }

    private func plan() throws -> SweepPlan {
        try SweepPlan(epsilons: [0, 8], settings: [CodecSetting(parsing: "jpeg:50"), CodecSetting(parsing: "webp:50"),
                                                   CodecSetting(parsing: "jpeg2000:20")], weights: "toy")
    }

    private func sweep(to name: String, resume: Bool = false) throws -> (text: String, skipped: [SkippedImage]) {
        let path = folder.appendingPathComponent(name).path
        let plan = try plan()
        let file = try ResultsFile(path: path, header: ResultRow.header, settings: plan.recordedSettings, resume: resume)
        let run = Sweep(plan: plan, classifier: ToyClassifier())
        run.batchSize = 2
        let skipped = try run.run(images: try images(), results: file)
        return (try String(contentsOfFile: path, encoding: .utf8), skipped)
    }

    func testRowsAreCompleteDeterministicAndBadImagesSkipped() throws {
        let first = try sweep(to: "a.csv")
        let second = try sweep(to: "b.csv")
        XCTAssertEqual(first.text, second.text, "two runs must write identical CSVs")
        XCTAssertEqual(first.skipped.map(\.image), ["broken.png"])
        let rows = try ResultRow.readAll(path: folder.appendingPathComponent("a.csv").path)
        XCTAssertEqual(rows.count, 3 * 2 * 4, "3 images × 2 eps × (none + 3 codecs)")
        XCTAssertEqual(Set(rows.map(\.image)), ["chelsea.png", "coffee.png", "rocket.png"])
        for row in rows where row.codec == "none" {
            XCTAssertEqual(row.bytes, 3 * 224 * 224)
            XCTAssertEqual(row.bpp, 24)
            if row.eps == 0 { XCTAssertEqual(row.msssim, 1); XCTAssertEqual(row.psnr, .infinity) }
        }
        for row in rows where row.codec != "none" {
            XCTAssertLessThan(row.bpp, 24, "\(row.csvLine)")
            XCTAssertLessThan(row.msssim, 1, "\(row.csvLine)")
        }
    }

    func testResumeAfterAKillAnywhereEqualsAnUninterruptedRun() throws {
        let full = try sweep(to: "full.csv").text
        let bytes = Array(full.utf8)
        for cut in [bytes.count / 5, bytes.count / 2 + 7, bytes.count - 3] {
            let name = "cut\(cut).csv"
            let path = folder.appendingPathComponent(name).path
            try Data(bytes[..<cut]).write(to: URL(fileURLWithPath: path))
            try Data(try plan().recordedSettings.utf8).write(to: URL(fileURLWithPath: ResultsFile.settingsPath(for: path)))
            let resumed = try sweep(to: name, resume: true).text
            XCTAssertEqual(resumed, full, "resumed after a cut at byte \(cut) of \(bytes.count)")
        }
    }
}
