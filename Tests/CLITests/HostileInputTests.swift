import Foundation
import XCTest
import _Support

/// The release binary against the hostile scenarios of docs/bad-inputs.md: special files, outputs
/// that would destroy other files, colliding names, concurrent runs, files that would block their
/// own completion, bad labels, and usage errors. Each must give a clear message, never a hang, a
/// crash, or a lost or duplicated row.
final class HostileInputTests: XCTestCase {
    private var directory: String!

    override func setUpWithError() throws { directory = try SanitizeProcess.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    private func fixture(_ name: String) -> String { SanitizeProcess.root + "/Fixtures/images/" + name }

    private func folder(_ name: String, with photos: [String: String]) throws -> String {
        let path = directory + "/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for (file, photo) in photos { try FileManager.default.copyItem(atPath: fixture(photo), toPath: path + "/" + file) }
        return path
    }

    private func evaluate(_ inputs: [String], _ output: String, _ extra: [String] = []) throws -> SanitizeProcess.Result {
        try SanitizeProcess.run(["evaluate"] + inputs + ["--eps", "0,4", "--codec", "jpeg:50", "--output", output] + extra, timeout: 300)
    }

    private func assertUsageError(_ arguments: [String], mentions fragment: String, line: UInt = #line) throws {
        let result = try SanitizeProcess.run(arguments, timeout: 60)
        XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)", line: line)
        XCTAssertTrue(result.stderr.hasPrefix("error: ") && result.stderr.contains(fragment),
                      "\(arguments): expected '\(fragment)' in \(result.stderr)", line: line)
        XCTAssertFalse(result.stdout.contains("OVERVIEW"), "usage errors print no help", line: line)
    }

    func testSpecialFilesNeverHangAndAreReportedByName() throws {
        let images = try folder("images", with: ["a.png": "coffee.png"])
        XCTAssertEqual(mkfifo(images + "/fifo.png", 0o644), 0)
        XCTAssertEqual(symlink("nowhere.png", images + "/dangling.png"), 0)
        let sweep = try evaluate([images], directory + "/r.csv")
        XCTAssertEqual(sweep.status, 0, sweep.stderr)
        XCTAssertTrue(sweep.stderr.contains("skipped \(images)/fifo.png: a FIFO"), sweep.stderr)
        XCTAssertTrue(sweep.stderr.contains("skipped \(images)/dangling.png: a symbolic link to a missing file"), sweep.stderr)
        for command in [["classify", images + "/fifo.png"], ["compress", images + "/fifo.png", "--codec", "png"],
                        ["classify", fixture("coffee.png"), "--weights", images + "/fifo.png"]] {
            let result = try SanitizeProcess.run(command, timeout: 60)
            XCTAssertEqual(result.status, 1, "\(command): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("FIFO"), "\(command): \(result.stderr)")
        }
    }

    func testOutputsThatAreOtherOutputsOrInputsAreRefusedBeforeWork() throws {
        let results = directory + "/r.csv"
        XCTAssertEqual(try evaluate([fixture("coffee.png")], results).status, 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: results))
        for (summary, fragment) in [(results, "results of a sweep"), (directory + "/s.csv.settings", "same file"),
                                    (fixture("coffee.png"), "image")] {
            let result = try evaluate([fixture("coffee.png")], directory + "/s.csv", ["--summary", summary])
            XCTAssertEqual(result.status, 1, result.stderr)
            XCTAssertTrue(result.stderr.contains(fragment), "\(summary): \(result.stderr)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: results)), before, "the other sweep's results are untouched")
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/s.csv"))
        let adversarial = directory + "/adv.png"
        for extra in [["--figure", adversarial], ["--save-gradient", fixture("coffee.png")]] {
            let result = try SanitizeProcess.run(["attack", fixture("coffee.png"), "--eps", "4", "--output", adversarial] + extra)
            XCTAssertEqual(result.status, 1, result.stderr)
            XCTAssertTrue(result.stderr.contains("same file"), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: adversarial))
        }
    }

    func testSameFileNamesInTwoFoldersAreTwoImagesAndResumeKeepsBoth() throws {
        let one = try folder("one", with: ["x.png": "coffee.png"])
        let two = try folder("two", with: ["x.png": "rocket.png"])
        let results = directory + "/r.csv"
        XCTAssertEqual(try evaluate([one, two], results).status, 0)
        let text = try String(contentsOfFile: results, encoding: .utf8)
        XCTAssertEqual(text.split(separator: "\n").count, 1 + 2 * 2 * 2, text)
        let resumed = try evaluate([one, two], results, ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try String(contentsOfFile: results, encoding: .utf8), text, "nothing dropped, nothing added")
        XCTAssertTrue(resumed.stdout.contains("2 images"), resumed.stdout)
    }

    func testASecondRunOnTheSameOutputIsRefused() throws {
        let results = directory + "/r.csv"
        let process = Process()
        process.executableURL = try SanitizeProcess.executable()
        process.arguments = ["evaluate", SanitizeProcess.root + "/Fixtures/images", "--eps", "0,1,2,4,8",
                             "--codec", "jpeg:10,50,90", "--output", results, "--batch-size", "1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: results + ".lock"), Date() < deadline { usleep(5_000) }
        let second = try SanitizeProcess.run(["evaluate", SanitizeProcess.root + "/Fixtures/images", "--eps", "0,1,2,4,8",
                                              "--codec", "jpeg:10,50,90", "--output", results, "--resume"])
        XCTAssertEqual(second.status, 1, second.stderr)
        XCTAssertTrue(second.stderr.contains("another sanitize run"), second.stderr)
    }

    func testFailedStartsLeaveNothingThatBlocksTheCorrectedRun() throws {
        let results = directory + "/r.csv"
        let junk = directory + "/junk.safetensors"
        try Data("junk".utf8).write(to: URL(fileURLWithPath: junk))
        let bad = try evaluate([fixture("coffee.png")], results, ["--weights", junk])
        XCTAssertEqual(bad.status, 1, bad.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["junk.safetensors"])
        try assertUsageError(["evaluate", fixture("coffee.png"), "--output", ""], mentions: "--output is empty")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["junk.safetensors"])
        XCTAssertEqual(try evaluate([fixture("coffee.png")], results).status, 0)

        try Data().write(to: URL(fileURLWithPath: results))
        let resumed = try evaluate([fixture("coffee.png")], results, ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try String(contentsOfFile: results, encoding: .utf8).split(separator: "\n").count, 1 + 4)

        let other = try evaluate([fixture("rocket.png")], results, ["--resume"])
        XCTAssertEqual(other.status, 1, other.stderr)
        XCTAssertTrue(other.stderr.contains("does not list"), other.stderr)
    }

    func testLabelsThatMissImagesOrConflictAreRefused() throws {
        let labels = directory + "/labels.csv"
        try "image,label\nelsewhere.png,3\n".write(toFile: labels, atomically: true, encoding: .utf8)
        var result = try evaluate([fixture("coffee.png")], directory + "/r.csv", ["--labels", labels])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("no label for 1"), result.stderr)
        try "image,label\ncoffee.png,967\ncoffee.png,968\n".write(toFile: labels, atomically: true, encoding: .utf8)
        result = try evaluate([fixture("coffee.png")], directory + "/r.csv", ["--labels", labels])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("row 2 gives 'coffee.png' the label 968"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/r.csv"))
    }

    func testBadValuesAreUsageErrorsNamingTheValue() throws {
        let image = fixture("coffee.png")
        try assertUsageError(["evaluate", image, "--eps", "-1", "--output", directory + "/r.csv"], mentions: "'-1'")
        try assertUsageError(["evaluate", image, "--batch-size", "-3", "--output", directory + "/r.csv"], mentions: "--batch-size")
        try assertUsageError(["evaluate", image, "--codec", "jpeg:500", "--output", directory + "/r.csv"], mentions: "jpeg:500")
        try assertUsageError(["compress", image, "--codec", "jpeg", "--quality", "-5"], mentions: "-5")
        try assertUsageError(["compress", image, "--codec", "bogus", "--quality", "5"], mentions: "bogus")
        try assertUsageError(["attack", image, "--eps", "-2", "--output", directory + "/a.png"], mentions: "-2")
        try assertUsageError(["classify", "-dash.jpg"], mentions: "./-dash.jpg")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), [])
    }

    func testPathsThatAreNotUTF8WorkAsInputsAndOutputs() throws {
        let name = PlatformPath.decode(Array("caf".utf8) + [0xE9] + Array(".png".utf8))
        let input = PlatformPath.join(directory, name)
        try AtomicFile.write(try Files.read(fixture("coffee.png"), limit: 1 << 24), to: input)
        let output = PlatformPath.join(directory, PlatformPath.decode([0x6F, 0xFF] + Array(".png".utf8)))
        let result = try ChildProcess.run(try SanitizeProcess.executable().path,
                                          ["sanitize", "compress", input, "--codec", "jpeg", "--quality", "50", "--output", output],
                                          timeout: 60)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(String(decoding: result.stdout, as: UTF8.self).contains("caf\\xe9.png"), "escaped in messages")
        XCTAssertEqual(Files.kind(output), .regular)
    }

    func testFormatOneResultsAreRefusedAndTheConverterLetsThemResume() throws {
        let old = directory + "/old.csv"
        let v1 = "image,label,eps,codec,quality,bytes,bpp,pred,confidence,correct,signed_confidence,msssim,psnr\n"
            + "\(fixture("coffee.png")),967,0,none,0,150528,24,967,0.956658,1,0.956658,1,inf\n"
        try v1.write(toFile: old, atomically: true, encoding: .utf8)
        try "sanitize evaluate, results format 1\neps: 0,4\ncodecs: none,jpeg:50\nlabels: clean top-1\nweights: efficientnet-lite0 safetensors, SHA-256 2480650af311e80876bc6170530d3e00c0e69f8c5f5cb464e07387d5f5ee27f0\n"
            .write(toFile: old + ".settings", atomically: true, encoding: .utf8)
        let refused = try evaluate([fixture("coffee.png")], old, ["--resume"])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("results_v1_to_v2.py"), refused.stderr)
        let converted = directory + "/new.csv"
        let convert = try ChildProcess.run("/usr/bin/python3", ["python3", SanitizeProcess.root + "/Scripts/results_v1_to_v2.py",
                                                                old, converted, fixture("coffee.png")], timeout: 60)
        XCTAssertEqual(convert.status, 0, convert.stderr)
        let resumed = try evaluate([fixture("coffee.png")], converted, ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try String(contentsOfFile: converted, encoding: .utf8).split(separator: "\n").count, 1 + 4)
    }
}
