import _Support
import Foundation
import Models
import Tensors
import XCTest

/// Bad weights files give errors that name the tensor (or the file) and say how to fix it.
final class WeightsFileTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ModelsTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The installed weights as (name, tensor) in file order.
    private func installedTensors() throws -> [(name: String, tensor: Tensor)] {
        _ = try loadModel()
        let path = try WeightsLocation.defaultPath()
        let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: path))
        return try file.names.map { ($0, try file.tensor(named: $0)) }
    }

    private func write(_ tensors: [(name: String, tensor: Tensor)], _ name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try SafeTensors.write(tensors, to: url)
        return url.path
    }

    /// Asserts loading `path` throws an error whose description contains every string of `needles`.
    private func assertLoadFails(_ path: String, verifyChecksum: Bool = false, mentions needles: [String],
                                 line: UInt = #line) {
        XCTAssertThrowsError(try EfficientNetLite(weights: path, verifyChecksum: verifyChecksum), line: line) { error in
            let message = "\(error)"
            for needle in needles + ["Scripts/setup.sh"] {
                XCTAssertTrue(message.contains(needle), "expected '\(needle)' in: \(message)", line: line)
            }
        }
    }

    func testMissingTensorIsNamed() throws {
        let tensors = try installedTensors().filter { $0.name != "_blocks.7._bn1.running_var" }
        assertLoadFails(try write(tensors, "missing.safetensors"), mentions: ["_blocks.7._bn1.running_var", "lack 1 tensor"])
    }

    func testWrongShapeIsNamed() throws {
        let tensors = try installedTensors().map { entry -> (name: String, tensor: Tensor) in
            entry.name == "_blocks.3._depthwise_conv.weight" ? (entry.name, entry.tensor.reshaped([144, 1, 25, 1])) : entry
        }
        assertLoadFails(try write(tensors, "shape.safetensors"),
                        mentions: ["_blocks.3._depthwise_conv.weight", "[144, 1, 25, 1]", "[144, 1, 5, 5]"])
    }

    func testUnexpectedTensorIsNamed() throws {
        let tensors = try installedTensors() + [("_extra.weight", Tensor.zeros([2]))]
        assertLoadFails(try write(tensors, "extra.safetensors"), mentions: ["_extra.weight", "unexpected"])
    }

    /// Cutting the file short puts the last tensor's data out of bounds: the error names it.
    func testTruncatedFileNamesTheTensor() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: try WeightsLocation.defaultPath()))
        let url = directory.appendingPathComponent("truncated.safetensors")
        try bytes.prefix(bytes.count - 1000).write(to: url)
        assertLoadFails(url.path, mentions: ["_fc.bias", url.path])
    }

    /// One flipped bit in the data passes every structural check but not the SHA-256.
    func testCorruptFileFailsTheChecksum() throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: try WeightsLocation.defaultPath()))
        bytes[bytes.count - 3] ^= 0x10
        let url = directory.appendingPathComponent("corrupt.safetensors")
        try bytes.write(to: url)
        assertLoadFails(url.path, verifyChecksum: true, mentions: ["SHA-256", EfficientNetLiteVariant.lite0.weightsSHA256, url.path])
    }

    /// A safetensors file built entry by entry, so that any dtype, offset or repeated name can be written.
    private func rawFile(_ entries: [(name: String, dtype: String, shape: [Int], bytes: [UInt8], offsets: (Int, Int)?)],
                         _ name: String) throws -> String {
        var fields: [String] = []
        var data: [UInt8] = []
        for entry in entries {
            let offsets = entry.offsets ?? (data.count, data.count + entry.bytes.count)
            fields.append("\"\(entry.name)\":{\"dtype\":\"\(entry.dtype)\",\"shape\":\(entry.shape),\"data_offsets\":[\(offsets.0),\(offsets.1)]}")
            if entry.offsets == nil { data += entry.bytes }
        }
        let header = Array("{\(fields.joined(separator: ","))}".utf8)
        var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) }
        bytes += header + data
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// The installed tensors as raw F32 entries, with `change` applied to the one called `target`.
    private func rawEntries(changing target: String,
                            _ change: (inout (name: String, dtype: String, shape: [Int], bytes: [UInt8], offsets: (Int, Int)?)) -> Void)
        throws -> [(name: String, dtype: String, shape: [Int], bytes: [UInt8], offsets: (Int, Int)?)] {
        try installedTensors().map { entry in
            var raw = (name: entry.name, dtype: "F32", shape: entry.tensor.shape,
                       bytes: entry.tensor.scalars.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian) { Array($0) } },
                       offsets: Optional<(Int, Int)>.none)
            if entry.name == target { change(&raw) }
            return raw
        }
    }

    func testNaNAndInfinityAreRefusedByTensor() throws {
        for (value, text) in [(Float.nan, "nan"), (Float.infinity, "inf"), (-Float.infinity, "-inf")] {
            let tensors = try installedTensors().map { entry -> (name: String, tensor: Tensor) in
                guard entry.name == "_blocks.5._bn1.running_var" else { return entry }
                var scalars = entry.tensor.scalars
                scalars[7] = value
                return (entry.name, Tensor(shape: entry.tensor.shape, scalars: scalars))
            }
            assertLoadFails(try write(tensors, "nonfinite.safetensors"),
                            mentions: ["_blocks.5._bn1.running_var", "holds \(text) at index 7", "finite"])
        }
    }

    /// The bytes of a float tensor relabelled I32 keep the size, so only the dtype check catches them.
    func testFloatTensorLabelledI32IsRefused() throws {
        let path = try rawFile(try rawEntries(changing: "_conv_stem.weight") { $0.dtype = "I32" }, "i32.safetensors")
        assertLoadFails(path, mentions: ["_conv_stem.weight", "stored as I32", "expected F32"])
    }

    func testOtherFloatAndIntegerDTypesAreRefused() throws {
        for (dtype, size) in [("F16", 2), ("BF16", 2), ("F64", 8), ("I64", 8)] {
            let path = try rawFile(try rawEntries(changing: "_fc.bias") { entry in
                entry.dtype = dtype
                entry.bytes = [UInt8](repeating: 0, count: 1000 * size)
            }, "\(dtype).safetensors")
            assertLoadFails(path, mentions: ["_fc.bias", "stored as \(dtype)", "expected F32"])
        }
        let counter = try rawEntries(changing: "") { _ in }
            + [(name: "_bn0.num_batches_tracked", dtype: "F32", shape: [], bytes: [0, 0, 0, 0], offsets: nil)]
        assertLoadFails(try rawFile(counter, "counter.safetensors"),
                        mentions: ["_bn0.num_batches_tracked", "stored as F32", "expected I64"])
    }

    /// A counter declared with many elements would make a small header cost a large read.
    func testCountersMustBeScalars() throws {
        let counter = try rawEntries(changing: "") { _ in }
            + [(name: "_bn0.num_batches_tracked", dtype: "I64", shape: [1000], bytes: [UInt8](repeating: 0, count: 8000), offsets: nil)]
        assertLoadFails(try rawFile(counter, "counter.safetensors"), mentions: ["_bn0.num_batches_tracked", "1000"])
    }

    func testDuplicateAndOverlappingTensorsAreRefused() throws {
        var entries = try rawEntries(changing: "") { _ in }
        let last = entries.removeLast()
        let duplicate = entries + [last, (name: last.name, dtype: "F32", shape: last.shape, bytes: last.bytes, offsets: nil)]
        assertLoadFails(try rawFile(duplicate, "duplicate.safetensors"), mentions: [last.name, "appears twice"])
        let dataEnd = entries.reduce(0) { $0 + $1.bytes.count }
        let overlapping = entries + [(name: last.name, dtype: "F32", shape: last.shape, bytes: last.bytes,
                                      offsets: (dataEnd - 4, dataEnd - 4 + last.bytes.count))]
        var path = try rawFile(overlapping, "overlap.safetensors")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: try handle.seekToEnd() + UInt64(last.bytes.count - 4))
        try handle.close()
        assertLoadFails(path, mentions: [last.name, "overlap"])
        path = try rawFile(try rawEntries(changing: "_fc.weight") { $0.shape = [1000, 1280, 1] }, "rank.safetensors")
        assertLoadFails(path, mentions: ["_fc.weight", "[1000, 1280, 1]", "[1000, 1280]"])
    }

    /// A header far larger than any EfficientNet-Lite0 header is refused before it is read or parsed.
    func testOversizedHeaderIsRefusedBeforeParsing() throws {
        let url = directory.appendingPathComponent("header.safetensors")
        var bytes = withUnsafeBytes(of: UInt64(4 << 20).littleEndian) { Array($0) }
        bytes += [UInt8](repeating: UInt8(ascii: " "), count: 4 << 20)
        try Data(bytes).write(to: url)
        assertLoadFails(url.path, mentions: [url.path, "header length 4194304 bytes exceeds the 1048576-byte limit"])
    }

    /// A FIFO given as weights is refused by kind at once (opening it for reading would block).
    func testFIFOIsRefusedWithoutBlocking() throws {
        let path = directory.appendingPathComponent("fifo.safetensors").path
        XCTAssertEqual(mkfifo(path, 0o644), 0)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread { [self] in
            assertLoadFails(path, mentions: [path, "a FIFO (named pipe), not a regular file"])
            done.signal()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success, "loading a FIFO blocked")
    }

    /// The installed header in front of 3 GB (a sparse file): refused from the header and the
    /// file size alone, before any data is read.
    func testOversizedFileIsRefusedBeforeReadingIt() throws {
        let source = try Data(contentsOf: URL(fileURLWithPath: try WeightsLocation.defaultPath()))
        let url = directory.appendingPathComponent("huge.safetensors")
        try source.write(to: url)
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: 3 << 30)
        try handle.close()
        let peakBefore = peakMemoryKiB()
        assertLoadFails(url.path, verifyChecksum: true, mentions: [url.path, "file length mismatch"])
        XCTAssertLessThan(peakMemoryKiB() - peakBefore, 256 << 10, "peak memory grew by \(peakMemoryKiB() - peakBefore) KiB")
    }

    func testMissingFileSaysHowToInstall() throws {
        let path = directory.appendingPathComponent("absent.safetensors").path
        assertLoadFails(path, mentions: [path, "not found"])
    }

    func testEnvironmentVariableOverridesTheDefault() throws {
        let path = directory.appendingPathComponent("elsewhere.safetensors").path
        setenv(WeightsLocation.environmentVariable, path, 1)
        defer { unsetenv(WeightsLocation.environmentVariable) }
        XCTAssertThrowsError(try WeightsLocation.defaultPath()) { error in
            XCTAssertTrue("\(error)".contains(path) && "\(error)".contains("SANITIZE_WEIGHTS"), "\(error)")
        }
        // The variable names one file, Lite0's: the other models are still found where setup installs them.
        for variant in [EfficientNetLiteVariant.lite1, .lite2] {
            XCTAssertTrue(try WeightsLocation.defaultPath(for: variant).hasSuffix("/Weights/" + variant.weightsFileName),
                          "\(variant) ignores $\(WeightsLocation.environmentVariable)")
        }
    }

    /// The installed file hashes to the published checksum (the same value Scripts/fetch_weights.sh checks).
    func testInstalledFileMatchesItsChecksum() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: try WeightsLocation.defaultPath()))
        XCTAssertEqual(WeightsLocation.checksum(of: bytes), EfficientNetLiteVariant.lite0.weightsSHA256)
    }

    /// FIPS 180-2 test vectors: "", "abc" and the two-block message.
    func testSHA256KnownVectors() {
        XCTAssertEqual(WeightsLocation.checksum(of: Data()),
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(WeightsLocation.checksum(of: Data("abc".utf8)),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(WeightsLocation.checksum(of: Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// The process's peak resident memory so far, in KiB.
    private func peakMemoryKiB() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss
    }
}
