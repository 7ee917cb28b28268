@testable import Experiments
import Imaging
import XCTest
import _Support
import _TestSupport

/// The sweep's plumbing with a toy classifier on the fixture photos and real codecs.
final class SweepTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func files() throws -> [(name: String, path: String)] {
        let fixtures = repositoryRoot.appendingPathComponent("Fixtures/images")
        let bad = folder.appendingPathComponent("broken.png")
        try Data("not an image".utf8).write(to: bad)
        return [("chelsea.png", fixtures.appendingPathComponent("chelsea.png").path),
                ("broken.png", bad.path),
                ("coffee.png", fixtures.appendingPathComponent("coffee.png").path),
                ("rocket.png", fixtures.appendingPathComponent("rocket.png").path)]
    }

    private func plan(_ files: [(name: String, path: String)], labels: [String: Int] = [:]) throws -> SweepPlan {
        try SweepPlan(images: SweepImage.identify(files).images, model: "toy", epsilons: [0, 8],
                      settings: [CodecSetting(parsing: "jpeg:50"), CodecSetting(parsing: "webp:50"), CodecSetting(parsing: "jpeg2000:20")],
                      labels: labels, weights: "toy")
    }

    private func sweep(to name: String, resume: Bool = false) throws -> (text: String, skipped: [SkippedImage]) {
        let path = folder.appendingPathComponent(name).path
        let plan = try plan(try files())
        let file = try ResultsFile(path: path, settings: plan.recordedSettings, resume: resume, validate: plan.problem(with:))
        let run = Sweep(plan: plan, classifier: ToyClassifier())
        run.batchSize = 2
        let skipped = try run.run(results: file)
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
            XCTAssertLessThan(row.bpp, 24, "\(row.fields)")
            XCTAssertLessThan(row.msssim, 1, "\(row.fields)")
        }
    }

    func testResumeAfterAKillAnywhereEqualsAnUninterruptedRun() throws {
        let full = try sweep(to: "full.csv").text
        let bytes = Array(full.utf8)
        let settings = try plan(try files()).recordedSettings
        for cut in [0, 20, bytes.count / 5, bytes.count / 2 + 7, bytes.count - 3, bytes.count - 1] {
            let name = "cut\(cut).csv"
            let path = folder.appendingPathComponent(name).path
            try AtomicFile.write(Array(bytes[..<cut]), to: path)
            try AtomicFile.write(settings, to: ResultsFile.settingsPath(for: path))
            let resumed = try sweep(to: name, resume: true).text
            XCTAssertEqual(resumed, full, "resumed after a cut at byte \(cut) of \(bytes.count)")
        }
    }

    func testSameFileNameInTwoFoldersGivesTwoImages() throws {
        let fixtures = repositoryRoot.appendingPathComponent("Fixtures/images")
        for (sub, photo) in [("one", "coffee.png"), ("two", "rocket.png")] {
            let dir = folder.appendingPathComponent(sub)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: fixtures.appendingPathComponent(photo), to: dir.appendingPathComponent("x.png"))
        }
        let listing = try SweepImage.list([folder.appendingPathComponent("one").path, folder.appendingPathComponent("two").path])
        let plan = try plan(listing.files)
        XCTAssertEqual(plan.images.count, 2)
        XCTAssertNotEqual(plan.images[0].name, plan.images[1].name)
        XCTAssertNotEqual(plan.images[0].sha256, plan.images[1].sha256)
        let path = folder.appendingPathComponent("r.csv").path
        let file = try ResultsFile(path: path, settings: plan.recordedSettings, resume: false)
        _ = try Sweep(plan: plan, classifier: ToyClassifier()).run(results: file)
        let rows = try ResultRow.readAll(path: path)
        XCTAssertEqual(Set(rows.map(\.key)).count, rows.count, "no two rows share a key")
        XCTAssertEqual(rows.count, 2 * plan.rowsPerImage)
    }

    func testSpecialFilesInAFolderAreReportedNotDroppedOrWaitedOn() throws {
        let fixtures = repositoryRoot.appendingPathComponent("Fixtures/images")
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("coffee.png"), to: folder.appendingPathComponent("a.png"))
        XCTAssertEqual(mkfifo(folder.appendingPathComponent("fifo.png").path, 0o644), 0)
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("dangling.png").path, withDestinationPath: "nowhere")
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("loop.png").path, withDestinationPath: "loop.png")
        let listing = try SweepImage.list([folder.path])
        XCTAssertEqual(listing.files.map { PlatformPath.lastComponent($0.name) }, ["a.png"])
        XCTAssertEqual(listing.skipped.map { PlatformPath.lastComponent($0.image) }, ["dangling.png", "fifo.png", "loop.png"])
        XCTAssertTrue(listing.skipped[1].reason.contains("FIFO"), listing.skipped[1].reason)
        XCTAssertTrue(listing.skipped[2].reason.contains("loop"), listing.skipped[2].reason)
    }

    func testLabelsMustCoverEveryImageAndNeverConflict() throws {
        let labels = folder.appendingPathComponent("labels.csv").path
        try AtomicFile.write("image,label\nchelsea.png,282\ncoffee.png,967\n", to: labels)
        let read = try SweepPlan.readLabels(path: labels)
        XCTAssertThrowsError(try plan(try files(), labels: read)) {
            XCTAssertTrue("\($0)".contains("no label for 2") && "\($0)".contains("rocket.png"), "\($0)")
        }
        try AtomicFile.write("image,label\nchelsea.png,282\nchelsea.png,281\n", to: labels)
        XCTAssertThrowsError(try SweepPlan.readLabels(path: labels)) {
            XCTAssertTrue("\($0)".contains("row 2") && "\($0)".contains("row 1"), "\($0)")
        }
        try AtomicFile.write("image,label\n\"a,b.png\",5\n", to: labels)
        XCTAssertEqual(try SweepPlan.readLabels(path: labels), ["a,b.png": 5])
    }
}
