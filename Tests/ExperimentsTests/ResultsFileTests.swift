@testable import Experiments
import XCTest

final class ResultsFileTests: XCTestCase {
    private func row(_ image: String, eps: Int, codec: String = "jpeg", quality: Int = 50) -> ResultRow {
        ResultRow(image: image, label: 3, eps: eps, codec: codec, quality: quality, bytes: 1234, bpp: 0.196747,
                  pred: 3, confidence: 0.123456789, msssim: 0.99, psnr: .infinity)
    }

    func testLineFormatHasProtocolColumnsAndSixDigits() {
        XCTAssertEqual(ResultRow.header.split(separator: ",").count, 13)
        XCTAssertEqual(row("a.png", eps: 4).csvLine, "a.png,3,4,jpeg,50,1234,0.196747,3,0.123457,1,0.123457,0.99,inf")
        var wrong = row("b,c.png", eps: 1)
        wrong.pred = 7
        XCTAssertEqual(wrong.csvLine, "\"b,c.png\",3,1,jpeg,50,1234,0.196747,7,0.123457,0,-0.123457,0.99,inf")
        XCTAssertEqual(CSV.split(Substring(wrong.csvLine))[0], "b,c.png")
    }

    func testNewFileThenRefusalsThenResume() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("r.csv").path
        do {
            let file = try ResultsFile(path: path, header: ResultRow.header, settings: "A", resume: false)
            try file.append([row("a", eps: 0), row("a", eps: 1)])
        }
        XCTAssertThrowsError(try ResultsFile(path: path, header: ResultRow.header, settings: "A", resume: false)) {
            XCTAssertTrue("\($0)".contains("--resume"), "\($0)")
        }
        XCTAssertThrowsError(try ResultsFile(path: path, header: ResultRow.header, settings: "B", resume: true)) {
            XCTAssertTrue("\($0)".contains("other settings"), "\($0)")
        }
        // A kill -9 in the middle of a write leaves a partial last line.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("a,3,2,jpeg,5".utf8))
        try handle.close()
        let resumed = try ResultsFile(path: path, header: ResultRow.header, settings: "A", resume: true)
        XCTAssertEqual(resumed.completed, [row("a", eps: 0).key, row("a", eps: 1).key])
        try resumed.append([row("a", eps: 2)])
        let rows = try ResultRow.readAll(path: path)
        XCTAssertEqual(rows.map(\.eps), [0, 1, 2])
    }

    func testMissingFolderIsRefusedBeforeWork() {
        XCTAssertThrowsError(try ResultsFile(path: "/nonexistent-folder/r.csv", header: ResultRow.header,
                                             settings: "A", resume: false)) {
            XCTAssertTrue("\($0)".contains("does not exist"), "\($0)")
        }
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
        let table = SummaryRow.accuracyTable(summary)
        XCTAssertTrue(table.contains("jpeg:50") && table.contains("50.0") && table.contains("100.0"), table)
    }
}
