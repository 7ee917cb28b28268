import Foundation
import Imaging
import XCTest

/// `sanitize attack` and `sanitize evaluate` end to end, with the real model and codecs.
final class AttackEvaluateCommandTests: XCTestCase {
    private var directory: String!

    override func setUpWithError() throws { directory = try SanitizeProcess.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    private func fixture(_ name: String) -> String { SanitizeProcess.root + "/Fixtures/images/" + name }

    /// The reference FGSM eps 4 images (Scripts/reference/efficientnet_reference.py), read from
    /// the U8 tensors `<name>.fgsm4` of its safetensors file.
    private func referenceFGSM(_ name: String) throws -> [UInt8] {
        let data = try Data(contentsOf: URL(fileURLWithPath: SanitizeProcess.root + "/Tests/ModelsTests/Reference/reference.safetensors"))
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<8 + headerLength)) as! [String: Any]
        let entry = try XCTUnwrap(header[name + ".fgsm4"] as? [String: Any], "no \(name).fgsm4 in the reference")
        let offsets = try XCTUnwrap(entry["data_offsets"] as? [Int])
        return [UInt8](data.subdata(in: 8 + headerLength + offsets[0]..<8 + headerLength + offsets[1]))
    }

    func testAttackImagesEqualTheReferenceFGSMImages() throws {
        for name in ["chelsea", "coffee", "rocket"] {
            let output = directory + "/\(name)-adv.png"
            let result = try SanitizeProcess.run(["attack", fixture(name + ".png"), "--eps", "4", "--output", output])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stdout.contains("L∞: 4"), result.stdout)
            let ours = try ImageFile.read(output).pixels
            let reference = try referenceFGSM(name)
            XCTAssertEqual(ours.count, reference.count)
            let equal = zip(ours, reference).filter { $0 == $1 }.count
            let share = Double(equal) / Double(reference.count)
            XCTAssertGreaterThanOrEqual(share, 0.99, "\(name): \(equal) of \(reference.count) samples equal the reference")
        }
    }

    func testAttackUsageErrors() throws {
        let both = try SanitizeProcess.run(["attack", fixture("chelsea.png"), "--eps", "4", "--eps-bits", "2", "--output", directory + "/a.png"])
        XCTAssertEqual(both.status, 64)
        XCTAssertTrue(both.stderr.hasPrefix("error:"), both.stderr)
        let bad = try SanitizeProcess.run(["attack", directory + "/missing.png", "--eps", "4", "--output", directory + "/a.png"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.hasPrefix("error:") && bad.stderr.contains("missing.png"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/a.png"))
    }

    private func evaluateArguments(_ output: String, images: String) -> [String] {
        ["evaluate", images, "--eps", "0,4", "--codec", "jpeg:50", "--codec", "jpeg2000:20", "--output", output]
    }

    /// A folder of two photos and a broken file.
    private func sweepFolder() throws -> String {
        let folder = directory + "/images"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for name in ["coffee.png", "rocket.png"] {
            try FileManager.default.copyItem(atPath: fixture(name), toPath: folder + "/" + name)
        }
        try Data("GIF89a not really".utf8).write(to: URL(fileURLWithPath: folder + "/broken.jpg"))
        return folder
    }

    func testEvaluateSkipsBadImagesRefusesMixingAndResumesAfterKill() throws {
        let folder = try sweepFolder()
        let full = directory + "/full.csv"
        let first = try SanitizeProcess.run(evaluateArguments(full, images: folder), timeout: 600)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stderr.contains("skipped \(folder)/broken.jpg"), first.stderr)
        XCTAssertTrue(first.stdout.contains("jpeg2000:20"), first.stdout)
        let text = try String(contentsOfFile: full, encoding: .utf8)
        XCTAssertEqual(text.split(separator: "\n").count, 1 + 2 * 2 * 3, text)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/full-summary.csv"))

        let again = try SanitizeProcess.run(evaluateArguments(full, images: folder))
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("--resume"), again.stderr)
        var other = evaluateArguments(full, images: folder)
        other[3] = "0,8"
        let mixed = try SanitizeProcess.run(other + ["--resume"])
        XCTAssertNotEqual(mixed.status, 0)
        XCTAssertTrue(mixed.stderr.contains("other settings"), mixed.stderr)
        XCTAssertEqual(try String(contentsOfFile: full, encoding: .utf8), text, "a refused run must not touch the file")

        // kill -9 once the first rows are in, then resume: the CSV must equal the uninterrupted one.
        let cut = directory + "/cut.csv"
        let process = Process()
        process.executableURL = try SanitizeProcess.executable()
        process.arguments = evaluateArguments(cut, images: folder) + ["--batch-size", "1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(300)
        while process.isRunning, Date() < deadline,
              ((try? String(contentsOfFile: cut, encoding: .utf8))?.split(separator: "\n").count ?? 0) < 2 {
            usleep(2_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let resumed = try SanitizeProcess.run(evaluateArguments(cut, images: folder) + ["--resume"], timeout: 600)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try String(contentsOfFile: cut, encoding: .utf8), text)
    }
}
