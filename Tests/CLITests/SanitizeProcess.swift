import Foundation
import XCTest
import _TestSupport

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
    static let root: String = repositoryRoot.path

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
    static func temporaryDirectory() throws -> String { try TempDirectory().path }
}

extension SanitizeProcess {
    /// The outcome of ``runMeasuringMemory(_:timeout:)``: the exit status, the standard error and
    /// the child's peak resident set size.
    struct MeasuredResult {
        var status: Int32
        var stderr: String
        /// The child's peak resident set size in bytes, as GNU time reports it.
        var peakBytes: Int
    }

    /// Runs `sanitize arguments` under GNU time (`/usr/bin/time -f %M`), which reports the peak
    /// resident set of `sanitize` and of the decoding child it waits for. `sanitize` must not be
    /// spawned from the test process itself: a child made by `posix_spawn` shares the parent's
    /// memory until it execs, so its peak would include the whole test process.
    /// Standard output is discarded; the child is killed and the call throws after `timeout` s.
    static func runMeasuringMemory(_ arguments: [String], timeout: TimeInterval = 60) throws -> MeasuredResult {
        let scratch = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let errPath = scratch + "/stderr", peakPath = scratch + "/peak"
        let sanitize = try executable().path
        let executable = "/usr/bin/time"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = (["time", "-f", "%M", "-o", peakPath, sanitize] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw Failure(description: "cannot start \(executable): error \(spawned)") }
        var status: Int32 = 0
        var usage = rusage()  // of `time` itself; not used
        let deadline = Date().addingTimeInterval(timeout)
        while wait4(pid, &status, WNOHANG, &usage) == 0 {
            if Date() > deadline {
                kill(pid, SIGKILL)
                _ = wait4(pid, &status, 0, &usage)
                throw Failure(description: "sanitize \(arguments.joined(separator: " ")) did not finish within \(timeout) s")
            }
            usleep(10_000)
        }
        // WIFEXITED and WEXITSTATUS are macros that Swift does not import.
        let exited = status & 0x7F == 0
        let peak = try String(contentsOfFile: peakPath, encoding: .utf8).split(separator: "\n").last
            .flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard let peak else { throw Failure(description: "GNU time reported no peak for sanitize \(arguments.joined(separator: " "))") }
        return MeasuredResult(status: exited ? (status >> 8) & 0xFF : -(status & 0x7F),
                              stderr: try String(contentsOfFile: errPath, encoding: .utf8),
                              peakBytes: peak * 1024)
    }
}
