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
        XCTAssertThrowsError(try EfficientNetLite0(weights: path, verifyChecksum: verifyChecksum), line: line) { error in
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
        assertLoadFails(url.path, verifyChecksum: true, mentions: ["SHA-256", WeightsLocation.sha256, url.path])
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
    }

    /// The installed file hashes to the published checksum (the same value Scripts/fetch_weights.sh checks).
    func testInstalledFileMatchesItsChecksum() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: try WeightsLocation.defaultPath()))
        XCTAssertEqual(WeightsLocation.checksum(of: bytes), WeightsLocation.sha256)
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
}
