import Foundation
import XCTest
import _Support
import _TestSupport

/// The rest of the plumbing: CSV through the library, the lock, child processes, the parallel-for
/// and softmax.
final class PlumbingTests: XCTestCase {
    func testCSVRoundTripsAnyFieldAndStreamsWithoutATrailingNewline() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let records = [["image", "value"], ["a,b", "1"], ["quote \"q\"", "2"], ["line\nbreak\r\nx", "3"], ["", "4"]]
        let path = dir.path + "/t.csv"
        try AtomicFile.write(CSVText.lines(records), to: path)
        let reader = try CSVFileReader(path: path)
        XCTAssertEqual(reader.header, records[0])
        XCTAssertTrue(reader.endsWithNewline)
        var read: [[String]] = []
        while let record = try reader.next() { read.append(record) }
        XCTAssertEqual(read, Array(records.dropFirst()))
        XCTAssertEqual(CSVText.number(0.123456789), "0.123457")
        XCTAssertEqual(CSVText.number(.infinity), "inf")
        XCTAssertEqual(CSVText.number(-.infinity), "-inf")
        XCTAssertEqual(CSVText.number(.nan), "nan")

        try AtomicFile.write("h\n1", to: path)
        let cut = try CSVFileReader(path: path)
        XCTAssertFalse(cut.endsWithNewline)
        XCTAssertEqual(try cut.next(), ["1"])
        XCTAssertNil(try cut.next())

        try AtomicFile.write([0x68, 0x0A, 0xFF, 0xFE, 0x0A], to: path)
        let binary = try CSVFileReader(path: path)
        XCTAssertThrowsError(try binary.next(), "bytes that are not UTF-8 are an error, not a silent row")
    }

    func testTheLockRefusesASecondHolderAndIsReleased() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let output = dir.path + "/r.csv"
        var first: OutputLock? = try OutputLock(for: output)
        XCTAssertThrowsError(try OutputLock(for: output)) {
            XCTAssertTrue("\($0)".contains("process \(getpid())"), "\($0)")
        }
        first = nil
        XCTAssertNil(first)
        XCTAssertFalse(Files.exists(output + ".lock"), "the lock file is removed on release")
        XCTAssertNoThrow(try OutputLock(for: output))
    }

    func testChildProcessesReportStatusOutputAndTimeOut() throws {
        let done = try ChildProcess.run("/bin/sh", ["sh", "-c", "printf out; printf err >&2; exit 3"], timeout: 10)
        XCTAssertEqual(done.status, 3)
        XCTAssertEqual(done.stdout, Array("out".utf8))
        XCTAssertEqual(done.stderr, "err")
        XCTAssertFalse(done.timedOut)
        let start = Date()
        let slow = try ChildProcess.run("/bin/sh", ["sh", "-c", "sleep 30"], timeout: 0.5)
        XCTAssertTrue(slow.timedOut)
        XCTAssertEqual(slow.status, 128 + 9)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        XCTAssertThrowsError(try ChildProcess.run("/nonexistent/program", ["x"], timeout: 1))
    }

    func testParallelForVisitsEveryIndexOnceAndChunksAreDisjoint() {
        var hits = [Int](repeating: 0, count: 1000)
        hits.withUnsafeMutableBufferPointer { h in Parallel.forEach(h.count) { h[$0] += 1 } }
        XCTAssertEqual(hits, [Int](repeating: 1, count: 1000))
        var covered = [Int](repeating: 0, count: 100_003)
        covered.withUnsafeMutableBufferPointer { c in
            Parallel.chunks(c.count, serialBelow: 10) { range in for i in range { c[i] += 1 } }
        }
        XCTAssertEqual(covered, [Int](repeating: 1, count: 100_003))
    }

    func testSoftmaxSumsToOneAndSurvivesLargeLogits() {
        let p = Softmax.probabilities([1, 2, 3, 1000])
        XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-6)
        XCTAssertEqual(p[3], 1, accuracy: 1e-6)
        XCTAssertEqual(Softmax.probabilities([]), [])
        let q = Softmax.probabilities([0, log(3)])
        XCTAssertEqual(q[1], 0.75, accuracy: 1e-6)
        XCTAssertEqual(Softmax.probability(of: 1, in: [0, log(3)]), 0.75, accuracy: 1e-7)
    }

    func testSHA256OfKnownMessages() {
        XCTAssertEqual(sha256Hex([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(sha256Hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
