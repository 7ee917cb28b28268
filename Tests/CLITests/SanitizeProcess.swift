import Foundation
import XCTest

/// Runs the built `sanitize` executable, found next to the test bundle in the build products
/// directory (`swift test` builds it with the tests).
enum SanitizeProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    struct Failure: Swift.Error, CustomStringConvertible {
        var description: String
    }

    /// The package root, found from this file's location.
    static let root: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// `<build products>/sanitize`.
    static func executable() throws -> URL {
        var directory = Bundle.main.bundleURL
        if directory.pathExtension != "xctest" {
            directory = URL(fileURLWithPath: CommandLine.arguments[0])
        }
        let candidate = directory.deletingLastPathComponent().appendingPathComponent("sanitize")
        guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
            throw Failure(description: "no sanitize executable at \(candidate.path); build it with `swift build` first")
        }
        return candidate
    }

    /// Runs `sanitize arguments`; kills it and throws after `timeout` seconds (nothing may hang).
    /// Output goes through temporary files, so large outputs cannot block the child.
    static func run(_ arguments: [String], timeout: TimeInterval = 120) throws -> Result {
        let scratch = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let outPath = scratch + "/stdout", errPath = scratch + "/stderr"
        guard FileManager.default.createFile(atPath: outPath, contents: nil),
              FileManager.default.createFile(atPath: errPath, contents: nil)
        else { throw Failure(description: "cannot create output files in \(scratch)") }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        defer {
            try? output.close()
            try? errors.close()
        }
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            throw Failure(description: "sanitize \(arguments.joined(separator: " ")) did not finish within \(timeout) s")
        }
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: try String(contentsOfFile: outPath, encoding: .utf8),
                      stderr: try String(contentsOfFile: errPath, encoding: .utf8))
    }

    /// Runs a reference tool from /usr/bin and returns its standard output.
    static func tool(_ name: String, _ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/\(name)")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(name) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return data
    }

    /// A fresh empty directory.
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "cli-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
