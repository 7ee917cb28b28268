import Foundation
import XCTest

/// The package root, found from this file's path (`Tests/_TestSupport/TestSupport.swift`).
public let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A fresh empty folder under the system temporary folder, removed by ``remove()``.
public struct TempDirectory {
    /// The folder's path.
    public let path: String

    /// Creates the folder.
    public init() throws {
        path = NSTemporaryDirectory() + "sanitize-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// The folder as a file URL.
    public var url: URL { URL(fileURLWithPath: path, isDirectory: true) }

    /// Writes `bytes` to the file `name` in the folder and returns its path.
    @discardableResult
    public func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let file = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    /// Deletes the folder and everything in it.
    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// A fresh empty folder, as a URL; the caller removes it.
public func makeTemporaryFolder() throws -> URL { try TempDirectory().url }

/// Runs `body` on another thread and fails instead of hanging when it takes over `seconds`: for
/// checks that a FIFO or other special file never blocks.
public func withinSeconds(_ seconds: Double, file: StaticString = #filePath, line: UInt = #line,
                          _ body: @escaping () throws -> Void) {
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        do {
            try body()
        } catch {
            XCTFail("\(error)", file: file, line: line)
        }
        done.signal()
    }
    XCTAssertEqual(done.wait(timeout: .now() + seconds), .success, "blocked for over \(seconds) s", file: file, line: line)
}
