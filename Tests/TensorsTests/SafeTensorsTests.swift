import Foundation
import Tensors
import XCTest
import _TestSupport

/// safetensors reading and writing, including every malformed-file row of docs/bad-inputs.md,
/// with the malformed files built byte by byte here.
final class SafeTensorsTests: XCTestCase {
    /// A file: 8-byte little-endian header length, the header text, then `data`.
    private func file(_ header: String, _ data: [UInt8] = [], declaredLength: UInt64? = nil) -> Data {
        let headerBytes = Array(header.utf8)
        var bytes = Data()
        withUnsafeBytes(of: (declaredLength ?? UInt64(headerBytes.count)).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: headerBytes)
        bytes.append(contentsOf: data)
        return bytes
    }

    /// Asserts that parsing fails with an error naming `tensor` (or none) whose text contains `phrase`.
    private func assertRejects(_ data: Data, tensor: String?, _ phrase: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensorsFile(data: data, source: "bad.safetensors"), file: file, line: line) { error in
            guard let error = error as? SafeTensorsError else {
                return XCTFail("expected SafeTensorsError, got \(error)", file: file, line: line)
            }
            XCTAssertEqual(error.tensor, tensor, "tensor named in: \(error)", file: file, line: line)
            XCTAssertTrue(error.description.contains(phrase), "expected '\(phrase)' in: \(error)", file: file, line: line)
            XCTAssertTrue(error.description.contains("bad.safetensors"), "file not named in: \(error)", file: file, line: line)
        }
    }

    // MARK: - Round trips

    func testRoundTripKeepsNamesShapesValuesAndMetadata() throws {
        var generator = SeededGenerator(seed: 1)
        let tensors: [(name: String, tensor: Tensor)] = [
            ("features.0.weight", Tensor.randomNormal([3, 3, 2, 4], generator: &generator)),
            ("scalar", Tensor(-1.5)),
            ("empty", Tensor.zeros([0, 3])),
            ("odd \"name\" ü", Tensor(shape: [2], scalars: [.infinity, -0.0])),
        ]
        let data = try SafeTensors.encode(tensors, metadata: ["format": "pt", "note": "a \"quoted\" value"])
        let parsed = try SafeTensorsFile(data: data)
        XCTAssertEqual(parsed.names, tensors.map(\.name))
        XCTAssertEqual(parsed.metadata, ["format": "pt", "note": "a \"quoted\" value"])
        for (name, tensor) in tensors {
            let read = try parsed.tensor(named: name)
            XCTAssertEqual(read.shape, tensor.shape, name)
            XCTAssertEqual(read.scalars.map(\.bitPattern), tensor.scalars.map(\.bitPattern), name)
        }
        let headerLength = data.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        XCTAssertEqual(headerLength % 8, 0, "header padded to 8 bytes")
    }

    func testWriteIsAtomicAndReportsUnwritablePath() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        try SafeTensors.write([("w", Tensor.ones([2, 2]))], to: url)
        XCTAssertEqual(try SafeTensors.read(contentsOf: url)["w"]?.scalars, [1, 1, 1, 1])
        let missing = directory.appendingPathComponent("no/such/dir/model.safetensors")
        XCTAssertThrowsError(try SafeTensors.write([("w", Tensor.ones([1]))], to: missing)) { error in
            XCTAssertTrue("\(error)".contains(missing.path), "path not named in: \(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing.path))
        XCTAssertThrowsError(try SafeTensors.encode([("a", Tensor(1)), ("a", Tensor(2))])) { error in
            XCTAssertEqual((error as? SafeTensorsError)?.tensor, "a")
        }
    }

    func testMissingFileAndMissingTensorAreNamed() throws {
        XCTAssertThrowsError(try SafeTensorsFile(contentsOf: URL(fileURLWithPath: "/nonexistent/w.safetensors"))) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/w.safetensors"), "\(error)")
        }
        let parsed = try SafeTensorsFile(data: try SafeTensors.encode([("a", Tensor(1))]))
        XCTAssertThrowsError(try parsed.tensor(named: "b")) { error in
            XCTAssertEqual((error as? SafeTensorsError)?.tensor, "b")
        }
    }

    // MARK: - Element types

    func testReadsOtherDTypesAsFloat() throws {
        func le<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] { values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } } }
        let f16 = le([UInt16(0x3C00), 0xC000, 0x7BFF, 0x0001, 0x7C00, 0x8000])  // 1, −2, 65504, 2⁻²⁴, +inf, −0
        let bf16 = le([UInt16(0x3F80), 0xC0A0])  // 1, −5
        let i64 = le([Int64(-3), 1 << 20])
        let f64 = le([Double(0.1).bitPattern])
        let u8: [UInt8] = [0, 255], bool: [UInt8] = [0, 1]
        var data: [UInt8] = []
        var fields: [String] = []
        for (name, dtype, shape, bytes) in [("h", "F16", "[6]", f16), ("b", "BF16", "[2]", bf16), ("i", "I64", "[2]", i64),
                                            ("d", "F64", "[]", f64), ("u", "U8", "[2]", u8), ("t", "BOOL", "[2]", bool)] {
            fields.append("\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[\(data.count),\(data.count + bytes.count)]}")
            data += bytes
        }
        let parsed = try SafeTensorsFile(data: file("{\(fields.joined(separator: ","))}", data))
        XCTAssertEqual(try parsed.tensor(named: "h").scalars, [1, -2, 65504, 0x1p-24, .infinity, -0.0])
        XCTAssertEqual(try parsed.tensor(named: "b").scalars, [1, -5])
        XCTAssertEqual(try parsed.tensor(named: "i").scalars, [-3, 1_048_576])
        XCTAssertEqual(try parsed.tensor(named: "d").scalars, [Float(0.1)])
        XCTAssertEqual(try parsed.tensor(named: "d").shape, [])
        XCTAssertEqual(try parsed.tensor(named: "u").scalars, [0, 255])
        XCTAssertEqual(try parsed.tensor(named: "t").scalars, [0, 1])
        XCTAssertEqual(parsed.entry(named: "i")?.dtype, .I64)
    }

    // MARK: - Malformed files (docs/bad-inputs.md)

    func testEmptyAndTinyFiles() {
        assertRejects(Data(), tensor: nil, "shorter than the 8-byte header length")
        assertRejects(Data([0x7B]), tensor: nil, "shorter than the 8-byte header length")
    }

    func testHeaderOver100MB() {
        assertRejects(file("{}", declaredLength: 100_000_001), tensor: nil, "exceeds the 100 MB limit")
        assertRejects(file("{}", declaredLength: UInt64.max), tensor: nil, "exceeds the 100 MB limit")
    }

    func testHeaderLongerThanFile() {
        assertRejects(file("{}", declaredLength: 64), tensor: nil, "exceeds the 2 bytes after the length field")
    }

    func testBadJSON() {
        assertRejects(file("{\"a\": {\"dtype\": "), tensor: nil, "not valid JSON")
        assertRejects(file("[1, 2]"), tensor: nil, "not a JSON object")
        assertRejects(Data([2, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFE]), tensor: nil, "not valid JSON")
        assertRejects(file("{\"__metadata__\": {\"k\": 3}}"), tensor: nil, "__metadata__ value for 'k' is not a string")
    }

    func testBadEntries() {
        let zeros = [UInt8](repeating: 0, count: 8)
        assertRejects(file("{\"w\": 5}", zeros), tensor: "w", "not an object")
        assertRejects(file("{\"w\": {\"dtype\": \"Q4\", \"shape\": [2], \"data_offsets\": [0, 8]}}", zeros), tensor: "w", "unsupported dtype Q4")
        assertRejects(file("{\"w\": {\"shape\": [2], \"data_offsets\": [0, 8]}}", zeros), tensor: "w", "missing or non-string dtype")
        assertRejects(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [-2], \"data_offsets\": [0, 8]}}", zeros), tensor: "w", "shape is not")
        assertRejects(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2.5], \"data_offsets\": [0, 8]}}", zeros), tensor: "w", "shape is not")
        assertRejects(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0]}}", zeros), tensor: "w", "data_offsets is not a pair")
        assertRejects(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 0]}}", zeros), tensor: "w", "not increasing")
    }

    func testOffsetsOutOfBounds() {
        assertRejects(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", [UInt8](repeating: 0, count: 8)),
                      tensor: "w", "outside the 8-byte data section")
    }

    func testShapeTimesDTypeMismatch() {
        assertRejects(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", [UInt8](repeating: 0, count: 8)),
                      tensor: "w", "dtype F32 × shape [3] needs 12 bytes but data_offsets [0, 8] span 8")
        assertRejects(file("{\"w\": {\"dtype\": \"F64\", \"shape\": [1099511627776, 1099511627776], \"data_offsets\": [0, 8]}}", [UInt8](repeating: 0, count: 8)),
                      tensor: "w", "overflows")
    }

    func testOverlappingOffsets() {
        let header = "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}"
        assertRejects(file(header, [UInt8](repeating: 0, count: 12)), tensor: "b", "overlap tensor 'a'")
    }

    func testGapBetweenTensors() {
        let header = "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 12]}}"
        assertRejects(file(header, [UInt8](repeating: 0, count: 12)), tensor: "b", "gap")
    }

    func testFileLengthMismatch() {
        let header = "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}"
        assertRejects(file(header, [UInt8](repeating: 0, count: 6)), tensor: nil, "file length mismatch: the data section has 6 bytes but the tensors end at byte 4")
    }

    func testDuplicateNameIsRefused() {
        let header = "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}"
        assertRejects(file(header, [UInt8](repeating: 0, count: 8)), tensor: "a", "appears twice")
    }

    func testNonIntegerOffsetsAndDeepNesting() {
        assertRejects(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4.0]}}", [0, 0, 0, 0]),
                      tensor: "w", "data_offsets is not a pair of integers")
        assertRejects(file("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 99999999999999999999]}}", [0, 0, 0, 0]),
                      tensor: "w", "data_offsets is not a pair of integers")
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        assertRejects(file(deep), tensor: nil, "nesting deeper than")
        assertRejects(file("{\"w\": \"\u{1}\"}"), tensor: nil, "control character")
        assertRejects(file("{} x"), tensor: nil, "unexpected text after the JSON value")
    }

    func testEscapedNamesAreDecoded() throws {
        let header = "{\"a\\u00fc\\ud83d\\ude00\\n\": {\"dtype\": \"F32\", \"shape\": [], \"data_offsets\": [0, 4]}}    "
        let parsed = try SafeTensorsFile(data: file(header, [0, 0, 0x80, 0x3F]))
        XCTAssertEqual(parsed.names, ["aü😀\n"])
        XCTAssertEqual(try parsed.tensor(named: "aü😀\n").scalars, [1])
        assertRejects(file("{\"\\ud83d\": 1}"), tensor: nil, "unpaired surrogate")
    }

    // MARK: - Files on disk



    /// A FIFO, a directory and a character device are refused by kind, without blocking.
    func testSpecialFilesAreRefusedByKind() throws {
        let directory = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("weights.safetensors").path
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        for (path, kind) in [(fifo, "a FIFO"), (directory.path, "a folder"), ("/dev/null", "a character device")] {
            withinSeconds(10) {
                XCTAssertThrowsError(try SafeTensorsFile(contentsOf: URL(fileURLWithPath: path))) { error in
                    XCTAssertTrue("\(error)".contains(kind) && "\(error)".contains("not a regular file") && "\(error)".contains(path), "\(error)")
                }
            }
        }
    }

    /// A small header in front of 3 GB (a sparse file): the length mismatch is found from the
    /// header and the file size, without reading the data, and the caller's check is not reached.
    func testHeaderAndLengthAreCheckedBeforeTheDataIsRead() throws {
        let directory = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("huge.safetensors")
        try file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}").write(to: url)
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: 3 << 30)
        try handle.close()
        let peakBefore = peakMemoryKiB()
        var checked = false
        XCTAssertThrowsError(try SafeTensorsFile(contentsOf: url) { _ in checked = true }) { error in
            XCTAssertTrue("\(error)".contains("file length mismatch"), "\(error)")
        }
        XCTAssertFalse(checked, "the caller's check runs only on a consistent header")
        XCTAssertLessThan(peakMemoryKiB() - peakBefore, 256 << 10, "peak memory grew by \(peakMemoryKiB() - peakBefore) KiB")

        try file("{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", [UInt8](repeating: 0, count: 8)).write(to: url)
        struct Refused: Error {}
        XCTAssertThrowsError(try SafeTensorsFile(contentsOf: url) { header in
            XCTAssertEqual(header.entry(named: "w")?.shape, [2])
            XCTAssertEqual(header.dataByteCount, 8)
            throw Refused()
        }) { error in XCTAssertTrue(error is Refused, "\(error)") }
        XCTAssertEqual(try SafeTensorsFile(contentsOf: url).tensor(named: "w").scalars, [0, 0])
    }

    func testRandomBytesNeverCrash() {
        var generator = SeededGenerator(seed: 3)
        for trial in 0..<300 {
            let length = generator.nextIndex(below: 64)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if trial % 2 == 0 && length >= 8 {
                // A plausible small header length so the JSON parser is exercised too.
                bytes.replaceSubrange(0..<8, with: [UInt8(length - 8), 0, 0, 0, 0, 0, 0, 0])
            }
            XCTAssertThrowsError(try SafeTensorsFile(data: Data(bytes)), "trial \(trial) parsed random bytes")
        }
    }

    /// The process's peak resident memory so far, in KiB.
    private func peakMemoryKiB() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss
    }
}
