@testable import Experiments
import XCTest
import _Support
import _TestSupport

final class ResultsFileTests: XCTestCase {
    private let hashA = String(repeating: "a", count: 64)
    private let recipe = AttackRecipe.obliviousFGSM(model: "toy")

    private func row(_ image: String, eps: Int, codec: String = "jpeg", quality: Int = 50) -> ResultRow {
        ResultRow(image: image, imageSHA256: hashA, recipe: recipe, eps: eps, codec: codec, quality: quality,
                  label: 3, bytes: 1234, bpp: 0.196747, pred: 3, confidence: 0.123456789, msssim: 0.99, psnr: .infinity)
    }

    private var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func testFieldsHaveTheFormatTwoColumnsAndSixDigits() throws {
        XCTAssertEqual(ResultRow.columns.count, 21)
        XCTAssertEqual(CSVText.line(row("a.png", eps: 4).fields),
                       "a.png,\(hashA),toy,fgsm,ce,oblivious,1,1,0,4,jpeg,50,3,1234,0.196747,3,0.123457,1,0.123457,0.99,inf")
        var wrong = row("b,c\n\"d\".png", eps: 1)
        wrong.pred = 7
        let line = CSVText.line(wrong.fields)
        XCTAssertTrue(line.hasPrefix("\"b,c\n\"\"d\"\".png\","), line)
        XCTAssertTrue(line.hasSuffix(",7,0.123457,0,-0.123457,0.99,inf"), line)
        let path = folder.appendingPathComponent("r.csv").path
        try AtomicFile.write(CSVText.lines([ResultRow.columns, wrong.fields]), to: path)
        XCTAssertEqual(try ResultRow.readAll(path: path).map(\.image), [wrong.image], "a name with a comma, a quote and a newline round-trips")
    }

    func testNewFileThenRefusalsThenResume() throws {
        let path = folder.appendingPathComponent("r.csv").path
        do {
            let file = try ResultsFile(path: path, settings: "A", resume: false)
            try file.append([row("a", eps: 0), row("a", eps: 1)])
        }
        XCTAssertThrowsError(try ResultsFile(path: path, settings: "A", resume: false)) {
            XCTAssertTrue("\($0)".contains("--resume"), "\($0)")
        }
        XCTAssertThrowsError(try ResultsFile(path: path, settings: "B", resume: true)) {
            XCTAssertTrue("\($0)".contains("other settings"), "\($0)")
        }
        // A kill -9 in the middle of a write leaves a partial last line.
        try append("a,\(hashA),toy,fgsm,ce,obl", to: path)
        let resumed = try ResultsFile(path: path, settings: "A", resume: true)
        XCTAssertEqual(resumed.completed, [row("a", eps: 0).key, row("a", eps: 1).key])
        XCTAssertNotNil(resumed.repaired)
        try resumed.append([row("a", eps: 2)])
        XCTAssertEqual(try ResultRow.readAll(path: path).map(\.eps), [0, 1, 2])
    }

    func testALastRowWithoutItsLineBreakIsDroppedEvenIfItParses() throws {
        let path = folder.appendingPathComponent("r.csv").path
        do { try ResultsFile(path: path, settings: "A", resume: false).append([row("a", eps: 0), row("a", eps: 1)]) }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try AtomicFile.write(String(text.dropLast(2)), to: path)
        let resumed = try ResultsFile(path: path, settings: "A", resume: true)
        XCTAssertEqual(resumed.completed, [row("a", eps: 0).key], "psnr 'in' of a cut 'inf' must not be kept")
    }

    func testResumeRefusesRowsOutsideThePlanAndDuplicates() throws {
        let path = folder.appendingPathComponent("r.csv").path
        do { try ResultsFile(path: path, settings: "A", resume: false).append([row("a", eps: 0), row("b", eps: 0)]) }
        XCTAssertThrowsError(try ResultsFile(path: path, settings: "A", resume: true) { $0.image.name == "b" ? "is not listed" : nil }) {
            XCTAssertTrue("\($0)".contains("row 2") && "\($0)".contains("is not listed"), "\($0)")
        }
        try append(CSVText.lines([row("a", eps: 0).fields]), to: path)
        XCTAssertThrowsError(try ResultsFile(path: path, settings: "A", resume: true)) {
            XCTAssertTrue("\($0)".contains("row 3 repeats row 1"), "\($0)")
        }
    }

    func testEmptyAndHeaderlessFilesResume() throws {
        for content in ["", "image,image_sh"] {
            let path = folder.appendingPathComponent("e.csv").path
            try AtomicFile.write(content, to: path)
            try AtomicFile.write("A", to: ResultsFile.settingsPath(for: path))
            let file = try ResultsFile(path: path, settings: "A", resume: true)
            XCTAssertEqual(file.completed, [])
            try file.append([row("a", eps: 0)])
            XCTAssertEqual(try ResultRow.readAll(path: path).count, 1)
        }
    }

    func testFormatOneIsRefusedWithAWayForward() throws {
        let path = folder.appendingPathComponent("old.csv").path
        try AtomicFile.write(CSVText.lines([ResultRow.formatOneColumns]), to: path)
        try AtomicFile.write("A", to: ResultsFile.settingsPath(for: path))
        XCTAssertThrowsError(try ResultsFile(path: path, settings: "A", resume: true)) {
            XCTAssertTrue("\($0)".contains("format 1") && "\($0)".contains("results_v1_to_v2.py"), "\($0)")
        }
        XCTAssertThrowsError(try ResultRow.readAll(path: path))
    }

    func testASecondWriterIsRefusedWhileTheFirstHoldsTheLock() throws {
        let path = folder.appendingPathComponent("r.csv").path
        var first: ResultsFile? = try ResultsFile(path: path, settings: "A", resume: false)
        XCTAssertThrowsError(try ResultsFile(path: path, settings: "A", resume: true)) {
            XCTAssertTrue("\($0)".contains("another sanitize run"), "\($0)")
        }
        XCTAssertNotNil(first)
        first = nil
        XCTAssertNoThrow(try ResultsFile(path: path, settings: "A", resume: true), "the lock is released with the file")
    }

    func testMissingFolderAndEmptyPathAreRefusedBeforeWork() {
        XCTAssertThrowsError(try ResultsFile(path: "/nonexistent-folder/r.csv", settings: "A", resume: false)) {
            XCTAssertTrue("\($0)".contains("does not exist"), "\($0)")
        }
        XCTAssertThrowsError(try ResultsFile(path: "", settings: "A", resume: false)) {
            XCTAssertTrue("\($0)".contains("empty"), "\($0)")
        }
    }

    func testOutputsThatWouldDestroyOtherFilesAreRefused() throws {
        let results = folder.appendingPathComponent("r.csv").path
        do { try ResultsFile(path: results, settings: "A", resume: false).append([row("a", eps: 0)]) }
        let other = folder.appendingPathComponent("other.csv").path
        XCTAssertThrowsError(try ResultsFile.checkOutputs(results: other, summary: results, inputs: [])) {
            XCTAssertTrue("\($0)".contains("results of a sweep"), "\($0)")
        }
        XCTAssertThrowsError(try ResultsFile.checkOutputs(results: other, summary: other + ".settings", inputs: [])) {
            XCTAssertTrue("\($0)".contains("same file"), "\($0)")
        }
        XCTAssertThrowsError(try ResultsFile.checkOutputs(results: other, summary: folder.path + "/./other.csv", inputs: [])) {
            XCTAssertTrue("\($0)".contains("same file"), "\($0)")
        }
        XCTAssertThrowsError(try ResultsFile.checkOutputs(results: other, summary: folder.appendingPathComponent("s.csv").path,
                                                          inputs: [.init("--labels file", other)])) {
            XCTAssertTrue("\($0)".contains("--labels file"), "\($0)")
        }
        XCTAssertEqual(ResultsFile.defaultSummaryPath(for: "out/r.csv"), "out/r-summary.csv")
        XCTAssertEqual(ResultsFile.defaultSummaryPath(for: "out.d/r"), "out.d/r-summary.csv")
    }

    func testProvenanceNamesEveryLibraryAndKeepsOneBlockPerEnvironment() throws {
        let results = folder.appendingPathComponent("r.csv").path
        let block = Provenance.block(tool: "sanitize test", weights: "toy weights")
        for library in ["libjpeg-turbo", "libwebp", "OpenJPEG", "libpng", "zlib"] {
            let line = block.split(separator: "\n").first { $0.hasPrefix("codec library: \(library) ") }
            let version = line.map { $0.split(separator: " ").last.map(String.init) ?? "" } ?? ""
            XCTAssertTrue(version.first?.isNumber == true && version.allSatisfy { $0.isNumber || $0 == "." },
                          "\(library): '\(line ?? "missing")'")
        }
        try Provenance.record(block, for: results)
        try Provenance.record(block, for: results)
        let other = Provenance.block(tool: "sanitize other", weights: "toy weights")
        try Provenance.record(other, for: results)
        let text = try String(contentsOfFile: Provenance.path(for: results), encoding: .utf8)
        XCTAssertEqual(text, block + "\n" + other, "the same environment is recorded once, a new one is added")
    }

    func testSummaryAndTable() {
        var wrong = row("b", eps: 4)
        wrong.pred = 1
        let rows = [row("a", eps: 4), wrong, row("a", eps: 0, codec: "none", quality: 0)]
        let summary = SummaryRow.summarize(rows)
        XCTAssertEqual(summary.count, 2)
        XCTAssertEqual(summary[0].images, 2)
        XCTAssertEqual(summary[0].accuracy, 0.5, accuracy: 1e-12)
        XCTAssertEqual(summary[0].meanSignedConfidence, 0, accuracy: 1e-12)
        XCTAssertEqual(CSVText.line(summary[0].fields), "toy,fgsm,ce,oblivious,4,jpeg,50,2,0.5,0.196747,0.99,0")
        let table = SummaryRow.accuracyTable(summary)
        XCTAssertTrue(table.contains("jpeg:50") && table.contains("50.0") && table.contains("100.0"), table)
    }

    private func append(_ text: String, to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
        try handle.close()
    }
}
