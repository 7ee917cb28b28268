import _Support
import Datasets
import Foundation
import Training
import XCTest

/// A poisoned set appears whole or not at all, and only a complete one is accepted for training.
final class PoisonedSetTests: XCTestCase {
    private var parent: String!

    override func setUpWithError() throws {
        parent = NSTemporaryDirectory() + "/poisoned-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: parent)
    }

    private func tinySet(seed: Int) -> LabeledImages {
        LabeledImages(count: 6, height: 4, width: 4, channels: 1, classCount: 10,
                      pixels: (0 ..< 96).map { UInt8(truncatingIfNeeded: $0 * 7 + seed) },
                      labels: (0 ..< 6).map { UInt8(($0 + seed) % 10) })
    }

    private func assertIncomplete(_ directory: String, _ phrase: String, line: UInt = #line) {
        XCTAssertThrowsError(try PoisonedSet.verify(directory), line: line) { error in
            let message = "\(error)"
            for needle in [directory, phrase, "rerun 'sanitize poison'"] {
                XCTAssertTrue(message.contains(needle), "expected '\(needle)' in: \(message)", line: line)
            }
        }
    }

    func testWrittenSetVerifiesAndLoadsAndLeavesNoTemporaryFolder() throws {
        let output = parent + "/sets/adversarial"
        try PoisonedSet.write(tinySet(seed: 1), settings: [("method", "adversarial"), ("source", "a\nfile=forged")], to: output)
        try PoisonedSet.verify(output)
        XCTAssertEqual(try FashionMNIST.load(.train, from: output), tinySet(seed: 1))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: output).sorted(), PoisonedSet.fileNames.sorted())
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent + "/sets"), ["adversarial"])
        let manifest = try String(contentsOfFile: output + "/poison.txt", encoding: .utf8)
        XCTAssertTrue(manifest.contains("source=a\\nfile=forged\n"), manifest)
    }

    func testRewritingReplacesAPreviousSetWhole() throws {
        let output = parent + "/set"
        try PoisonedSet.write(tinySet(seed: 1), settings: [], to: output)
        try PoisonedSet.write(tinySet(seed: 2), settings: [], to: output)
        XCTAssertEqual(try FashionMNIST.load(.train, from: output), tinySet(seed: 2))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent), ["set"])
    }

    func testAFolderHoldingOtherFilesIsNeverReplaced() throws {
        let output = parent + "/mine"
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: output + "/notes.md", contents: Data("keep".utf8)))
        XCTAssertThrowsError(try PoisonedSet.write(tinySet(seed: 1), settings: [], to: output)) { error in
            XCTAssertTrue("\(error)".contains("notes.md") && "\(error)".contains(output), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: output), ["notes.md"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent), ["mine"])
    }

    func testIncompleteSetsAreRefused() throws {
        let output = parent + "/set"
        try PoisonedSet.write(tinySet(seed: 1), settings: [], to: output)
        let labels = output + "/" + FashionMNIST.fileNames(.train).labels
        let saved = try Data(contentsOf: URL(fileURLWithPath: labels))

        try FileManager.default.removeItem(atPath: labels)
        assertIncomplete(output, "train-labels-idx1-ubyte.gz cannot be read")

        try Data(Gzip.deflate(IDX.encode(sizes: [6], payload: [9, 9, 9, 9, 9, 9]))).write(to: URL(fileURLWithPath: labels))
        assertIncomplete(output, "but poison.txt records")

        try saved.write(to: URL(fileURLWithPath: labels))
        try PoisonedSet.verify(output)
        try Data("method=adversarial\n".utf8).write(to: URL(fileURLWithPath: output + "/poison.txt"))
        assertIncomplete(output, "does not list train-images-idx3-ubyte.gz")

        try FileManager.default.removeItem(atPath: output + "/poison.txt")
        assertIncomplete(output, "poison.txt cannot be read")
    }

    /// The temporary folder a killed `poison` leaves behind is refused even when it is complete.
    func testLeftoverTemporaryFolderIsRefused() throws {
        let output = parent + "/set"
        try PoisonedSet.write(tinySet(seed: 1), settings: [], to: output)
        let leftover = parent + "/.set.partial-AbC123"
        try FileManager.default.moveItem(atPath: output, toPath: leftover)
        assertIncomplete(leftover, "temporary folder of an interrupted 'sanitize poison'")
        XCTAssertTrue(StagedDirectory.isTemporaryName(".set.partial-AbC123"))
        XCTAssertFalse(StagedDirectory.isTemporaryName("set"))
    }
}
