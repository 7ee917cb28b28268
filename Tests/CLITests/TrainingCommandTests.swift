import _Support
import Foundation
import XCTest

/// `sanitize train`, `poison` and `classify --weights` against hostile options and files: a clear
/// error, the right exit status, and nothing already written lost.
final class TrainingCommandTests: XCTestCase {
    private var directory: String!

    override func setUpWithError() throws { directory = try SanitizeProcess.temporaryDirectory() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: directory) }

    /// A quick run: 256 Fashion-MNIST images, batches of 64.
    private func trainArguments(_ name: String, _ extra: [String] = []) -> [String] {
        ["train", "--limit", "256", "--batch-size", "64", "--epochs", "1",
         "--output", "\(directory!)/\(name).safetensors", "--log", "\(directory!)/\(name).csv"] + extra
    }

    private func contents(_ name: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: "\(directory!)/\(name)"))
    }

    private func assertUsageError(_ arguments: [String], mentions needle: String, line: UInt = #line) throws {
        let result = try SanitizeProcess.run(arguments, timeout: 60)
        XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)", line: line)
        XCTAssertTrue(result.stderr.hasPrefix("error: ") && result.stderr.contains(needle),
                      "expected '\(needle)' in: \(result.stderr)", line: line)
    }

    func testNegativeAndZeroValuesAreUsageErrors() throws {
        try assertUsageError(trainArguments("m", ["--epochs=-1"]), mentions: "--epochs")
        try assertUsageError(trainArguments("m", ["--epochs", "0"]), mentions: "--epochs")
        try assertUsageError(trainArguments("m", ["--batch-size", "0"]), mentions: "--batch-size")
        try assertUsageError(trainArguments("m", ["--lr=-1"]), mentions: "--lr")
        try assertUsageError(trainArguments("m", ["--lr", "0"]), mentions: "--lr")
        try assertUsageError(trainArguments("m", ["--limit=-5"]), mentions: "--limit")
        try assertUsageError(trainArguments("m", ["--log", "\(directory!)/m.safetensors"]), mentions: "name the same file")
        try assertUsageError(trainArguments("m", ["--output", directory!]), mentions: "--output")
        // A one-character path once trapped in Foundation's deletingLastPathComponent.
        try assertUsageError(["train", "--output", "x", "--log", "x"], mentions: "x: --log and --output name the same file")
        let poison = ["poison", "--method", "unlearnable", "--output", "\(directory!)/set"]
        try assertUsageError(poison + ["--eps=-3"], mentions: "--eps")
        try assertUsageError(poison + ["--steps", "0"], mentions: "--steps")
        try assertUsageError(poison + ["--step-size=-1"], mentions: "--step-size")
        try assertUsageError(poison + ["--max-rounds", "0"], mentions: "--max-rounds")
        XCTAssertTrue(FileManager.default.createFile(atPath: "\(directory!)/file", contents: Data()))
        try assertUsageError(["poison", "--method", "unlearnable", "--output", "\(directory!)/file/sub/set"],
                             mentions: "--output")
        try FileManager.default.removeItem(atPath: "\(directory!)/file")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), [], "a usage error writes nothing")
    }

    /// `--lr 1e30` diverges: an error naming the epoch and step and saying to lower --lr; the
    /// previous weights and log stay as they were and no temporary file is left.
    func testDivergingTrainingFailsAndKeepsThePreviousFiles() throws {
        let first = try SanitizeProcess.run(trainArguments("m"))
        XCTAssertEqual(first.status, 0, first.stderr)
        let (weights, log) = (try contents("m.safetensors"), try contents("m.csv"))
        let result = try SanitizeProcess.run(trainArguments("m", ["--lr", "1e30"]))
        XCTAssertEqual(result.status, 1, result.stderr)
        for needle in ["error: training diverged in epoch 1, step", "--lr", "m.safetensors", "nothing was written"] {
            XCTAssertTrue(result.stderr.contains(needle), "expected '\(needle)' in: \(result.stderr)")
        }
        XCTAssertEqual(try contents("m.safetensors"), weights)
        XCTAssertEqual(try contents("m.csv"), log)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).sorted(), ["m.csv", "m.safetensors"])
    }

    /// A rerun killed while it trains leaves the first run's log and weights both intact.
    func testKilledRerunKeepsThePreviousLogAndWeights() throws {
        let first = try SanitizeProcess.run(trainArguments("m"))
        XCTAssertEqual(first.status, 0, first.stderr)
        let (weights, log) = (try contents("m.safetensors"), try contents("m.csv"))
        XCTAssertTrue(String(decoding: log, as: UTF8.self).hasPrefix("epoch,train_loss,"))

        let process = Process()
        process.executableURL = try SanitizeProcess.executable()
        process.arguments = trainArguments("m", ["--epochs", "50", "--seed", "9"])
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        var staged: [String] = []
        while process.isRunning && staged.isEmpty && Date() < deadline {
            usleep(50_000)
            staged = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(".m.csv.tmp-") }
        }
        usleep(500_000)
        XCTAssertTrue(process.isRunning, "the rerun ended before it could be killed")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertFalse(staged.isEmpty, "the rerun never started its log")
        XCTAssertEqual(try contents("m.safetensors"), weights, "the killed rerun changed the weights")
        XCTAssertEqual(try contents("m.csv"), log, "the killed rerun changed the log")
    }

    func testPoisonedSetIsWrittenWholeAndTrainRefusesAnIncompleteOne() throws {
        let set = "\(directory!)/sets/unlearnable"
        let poison = try SanitizeProcess.run(["poison", "--method", "unlearnable", "--limit", "128", "--max-rounds", "1",
                                              "--model-steps", "1", "--steps", "1", "--output", set])
        XCTAssertEqual(poison.status, 0, poison.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: "\(directory!)/sets"), ["unlearnable"])
        let train = try SanitizeProcess.run(trainArguments("p", ["--train-dir", set, "--limit", "128"]))
        XCTAssertEqual(train.status, 0, train.stderr)

        try FileManager.default.removeItem(atPath: set + "/train-labels-idx1-ubyte.gz")
        let missing = try SanitizeProcess.run(trainArguments("q", ["--train-dir", set]))
        XCTAssertEqual(missing.status, 1, missing.stderr)
        for needle in ["not a complete poisoned set", "train-labels-idx1-ubyte.gz", "rerun 'sanitize poison'"] {
            XCTAssertTrue(missing.stderr.contains(needle), "expected '\(needle)' in: \(missing.stderr)")
        }
        let leftover = "\(directory!)/sets/.unlearnable.partial-Ab12Cd"
        try FileManager.default.createDirectory(atPath: leftover, withIntermediateDirectories: true)
        let partial = try SanitizeProcess.run(trainArguments("q", ["--train-dir", leftover]))
        XCTAssertEqual(partial.status, 1, partial.stderr)
        XCTAssertTrue(partial.stderr.contains("temporary folder of an interrupted 'sanitize poison'"), partial.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(directory!)/q.safetensors"))

        let mine = "\(directory!)/mine"
        try FileManager.default.createDirectory(atPath: mine, withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: mine + "/notes.md", contents: Data("keep".utf8)))
        try assertUsageError(["poison", "--method", "unlearnable", "--output", mine], mentions: "notes.md")
    }

    // MARK: - classify --weights

    private func installedWeights() throws -> (bytes: [UInt8], dataStart: Int) {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: SanitizeProcess.root + "/Weights/efficientnet-lite0.safetensors")))
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        return (bytes, 8 + headerLength)
    }

    private func classify(weights: String) throws -> SanitizeProcess.Result {
        try SanitizeProcess.run(["classify", SanitizeProcess.root + "/Fixtures/images/chelsea.png", "--weights", weights], timeout: 60)
    }

    func testClassifyRefusesNaNWeightsAndAMislabelledDType() throws {
        var (bytes, dataStart) = try installedWeights()
        var nan = bytes
        nan.replaceSubrange(dataStart ..< dataStart + 4, with: [0x00, 0x00, 0xC0, 0x7F])
        let nanPath = "\(directory!)/nan.safetensors"
        try Data(nan).write(to: URL(fileURLWithPath: nanPath))
        let nanResult = try classify(weights: nanPath)
        XCTAssertEqual(nanResult.status, 1, nanResult.stderr)
        XCTAssertTrue(nanResult.stderr.contains("_conv_stem.weight holds nan at index 0"), nanResult.stderr)
        XCTAssertEqual(nanResult.stdout, "")

        let f32 = Array("\"dtype\":\"F32\"".utf8)
        let at = try XCTUnwrap((8 ..< dataStart).first { Array(bytes[$0 ..< $0 + f32.count]) == f32 })
        bytes[at + 9] = UInt8(ascii: "I")
        let i32Path = "\(directory!)/i32.safetensors"
        try Data(bytes).write(to: URL(fileURLWithPath: i32Path))
        let i32Result = try classify(weights: i32Path)
        XCTAssertEqual(i32Result.status, 1, i32Result.stderr)
        XCTAssertTrue(i32Result.stderr.contains("_conv_stem.weight is stored as I32, expected F32"), i32Result.stderr)
    }

    func testClassifyRefusesAFIFOAsWeightsWithoutBlocking() throws {
        let fifo = "\(directory!)/weights.safetensors"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        let result = try classify(weights: fifo)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("a FIFO (named pipe), not a regular file") && result.stderr.contains(fifo), result.stderr)
    }
}
