import _Support
import Datasets
import XCTest

final class GzipTests: XCTestCase {
    private let sample: [UInt8] = (0 ..< 10_000).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 13) }

    /// Asserts that `body` throws `DatasetError.badGzip` for `path` and that the reason mentions `fragment`.
    private func assertBadGzip(_ fragment: String, path: String, _ body: () throws -> Void, line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { error in
            guard case let .badGzip(p, reason) = error as? DatasetError else {
                return XCTFail("expected badGzip(\(path), …\(fragment)…), observed \(error)", line: line)
            }
            XCTAssertEqual(p, path, line: line)
            XCTAssertTrue(reason.contains(fragment), "expected reason containing '\(fragment)', observed '\(reason)'", line: line)
            XCTAssertTrue("\(error)".contains(path), "message should name the file: \(error)", line: line)
        }
    }

    func testRoundTrip() throws {
        let packed = Gzip.deflate(sample)
        XCTAssertEqual(Array(packed[0 ..< 2]), [0x1f, 0x8b])
        XCTAssertEqual(try Gzip.inflate(packed, path: "x.gz"), sample)
    }

    func testConcatenatedMembersInflateAsOneFile() throws {
        let packed = Gzip.deflate(Array(sample[0 ..< 3000])) + Gzip.deflate(Array(sample[3000...]))
        XCTAssertEqual(try Gzip.inflate(packed, path: "two.gz"), sample)
    }

    func testEmptyAndTinyFiles() {
        assertBadGzip("only 0 bytes", path: "empty.gz") { _ = try Gzip.inflate([], path: "empty.gz") }
        assertBadGzip("only 1 bytes", path: "one.gz") { _ = try Gzip.inflate([0x1f], path: "one.gz") }
    }

    func testRandomBytesAreNotGzip() {
        var generator = SystemRandomNumberGenerator()
        let noise = (0 ..< 500).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }
        let bytes = [0x00] + noise
        assertBadGzip("magic", path: "noise.gz") { _ = try Gzip.inflate(bytes, path: "noise.gz") }
    }

    func testTruncatedStream() {
        let packed = Gzip.deflate(sample)
        for cut in [packed.count - 1, packed.count - 8, packed.count / 2, 20] {
            assertBadGzip("truncated", path: "cut.gz") { _ = try Gzip.inflate(Array(packed[0 ..< cut]), path: "cut.gz") }
        }
    }

    func testBadCRC() {
        var packed = Gzip.deflate(sample)
        packed[packed.count - 8] ^= 0x5a
        assertBadGzip("incorrect data check", path: "crc.gz") { _ = try Gzip.inflate(packed, path: "crc.gz") }
    }

    func testBadLengthTrailer() {
        var packed = Gzip.deflate(sample)
        packed[packed.count - 4] ^= 0x01
        assertBadGzip("incorrect length check", path: "len.gz") { _ = try Gzip.inflate(packed, path: "len.gz") }
    }

    func testCorruptDeflateData() {
        var packed = Gzip.deflate(sample)
        for i in 12 ..< 40 { packed[i] = 0xff }
        XCTAssertThrowsError(try Gzip.inflate(packed, path: "corrupt.gz")) { error in
            guard case .badGzip(path: "corrupt.gz", _) = error as? DatasetError else {
                return XCTFail("expected badGzip for corrupt.gz, observed \(error)")
            }
        }
    }

    func testInflatedSizeCap() {
        let bomb = Gzip.deflate([UInt8](repeating: 0, count: 5_000_000))
        XCTAssertLessThan(bomb.count, 10_000, "a run of zeros should compress well")
        XCTAssertThrowsError(try Gzip.inflate(bomb, path: "bomb.gz", limit: 1_000_000)) { error in
            XCTAssertEqual(error as? DatasetError, .tooLarge(path: "bomb.gz", limit: 1_000_000))
        }
        XCTAssertEqual(try Gzip.inflate(bomb, path: "bomb.gz", limit: 5_000_000).count, 5_000_000)
    }

    func testMissingFileIsNamed() {
        XCTAssertThrowsError(try Gzip.inflateFile("/nonexistent/dir/file.gz")) { error in
            XCTAssertEqual(error as? FileError, FileError(path: "/nonexistent/dir/file.gz", reason: "no such file"))
        }
    }
}
