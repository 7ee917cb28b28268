import _Support
import Datasets
import XCTest
import _TestSupport

final class CIFAR10Tests: XCTestCase {
    /// One synthetic record: label, then R, G, B planes where sample (c, p) = (c * 50 + p) mod 256.
    private func record(label: UInt8, seed: Int) -> [UInt8] {
        [label] + (0 ..< 3072).map { UInt8(truncatingIfNeeded: ($0 / 1024) * 50 + $0 % 1024 + seed) }
    }

    private func writeBatches(_ dir: TempDirectory, train: [[UInt8]], test: [UInt8]) throws {
        for (i, bytes) in train.enumerated() { _ = try dir.write(bytes, "data_batch_\(i + 1).bin") }
        _ = try dir.write(test, "test_batch.bin")
    }

    func testParsesCHWIntoNHWC() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let batches = (0 ..< 5).map { b in record(label: UInt8(b), seed: b) + record(label: 9, seed: 100 + b) }
        try writeBatches(dir, train: batches, test: record(label: 3, seed: 7))
        let train = try CIFAR10.load(.train, from: dir.path)
        XCTAssertEqual([train.count, train.height, train.width, train.channels], [10, 32, 32, 3])
        XCTAssertEqual(train.labels, [0, 9, 1, 9, 2, 9, 3, 9, 4, 9])
        // Image 2 is batch 2's first record (seed 1): pixel p, channel c = c*50 + p + 1.
        for (p, c) in [(0, 0), (5, 1), (1023, 2), (700, 0)] {
            let observed = train.pixels[2 * 3072 + p * 3 + c]
            XCTAssertEqual(observed, UInt8(truncatingIfNeeded: c * 50 + p + 1), "pixel \(p) channel \(c)")
        }
        let test = try CIFAR10.load(.test, from: dir.path)
        XCTAssertEqual(test.count, 1)
        XCTAssertEqual(test.labels, [3])
    }

    func testLengthNotMultipleOfRecord() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        _ = try dir.write(record(label: 1, seed: 0) + [1, 2, 3], "test_batch.bin")
        XCTAssertThrowsError(try CIFAR10.load(.test, from: dir.path)) { error in
            guard case let .badCIFAR(path, reason) = error as? DatasetError else { return XCTFail("observed \(error)") }
            XCTAssertTrue(path.hasSuffix("test_batch.bin"), "observed path \(path)")
            XCTAssertTrue(reason.contains("3076 bytes"), "observed reason \(reason)")
        }
    }

    func testEmptyFile() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        _ = try dir.write([], "test_batch.bin")
        XCTAssertThrowsError(try CIFAR10.load(.test, from: dir.path)) { error in
            XCTAssertTrue("\(error)".contains("0 bytes"), "observed \(error)")
        }
    }

    func testBadLabel() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        _ = try dir.write(record(label: 1, seed: 0) + record(label: 10, seed: 0), "test_batch.bin")
        XCTAssertThrowsError(try CIFAR10.load(.test, from: dir.path)) { error in
            XCTAssertTrue("\(error)".contains("record 1 has label 10"), "observed \(error)")
        }
    }

    func testMissingBatchIsNamed() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        try writeBatches(dir, train: (0 ..< 4).map { record(label: UInt8($0), seed: $0) }, test: record(label: 0, seed: 0))
        XCTAssertThrowsError(try CIFAR10.load(.train, from: dir.path)) { error in
            guard let error = error as? FileError else { return XCTFail("observed \(error)") }
            XCTAssertTrue(error.path.hasSuffix("data_batch_5.bin") && error.reason == "no such file", "observed \(error)")
        }
    }

    func testOversizedFileRefusedBeforeReading() throws {
        let dir = try TempDirectory()
        defer { dir.remove() }
        let path = dir.path + "/test_batch.bin"
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: UInt64(CIFAR10.fileLimit + 1))
        try handle.close()
        XCTAssertThrowsError(try CIFAR10.load(.test, from: dir.path)) { error in
            XCTAssertEqual((error as? FileError)?.path, path)
            XCTAssertTrue("\(error)".contains("exceeds the limit of \(CIFAR10.fileLimit) bytes"), "\(error)")
        }
    }
}
