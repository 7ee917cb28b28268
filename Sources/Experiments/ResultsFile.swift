import _Support
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Failures of the results file: each names the path and says what to do.
public struct ResultsFileError: Swift.Error, CustomStringConvertible {
    /// What went wrong and how to fix it.
    public let description: String
}

/// The results CSV of a sweep, appended row by row so that an interrupted sweep loses nothing.
///
/// - Every write is one `write(2)` of whole lines, checked for a short write (disk full), so a
///   row is counted only once it is in the file. A `kill -9` can cut at most the last line.
/// - The sweep's settings are recorded beside the CSV in `<output>.settings`. A later run with
///   other settings is refused; a run with the same settings must say `--resume`, which drops a
///   half-written last line and reports the keys already done.
public final class ResultsFile {
    /// The CSV's path.
    public let path: String
    /// The keys of the complete rows already in the file (empty for a new file).
    public private(set) var completed: Set<SweepKey> = []
    private let descriptor: Int32

    /// The sidecar that records the settings of the sweep that owns `path`.
    public static func settingsPath(for path: String) -> String { path + ".settings" }

    /// Opens `path` for appending rows of a sweep with the given `settings` text.
    ///
    /// - A new file gets the header. An existing file is refused unless `resume` is true and its
    ///   recorded settings equal `settings`; then its complete rows are kept and a partial last
    ///   line is truncated away.
    /// - Throws before any work starts when the folder is missing or unwritable.
    public init(path: String, header: String, settings: String, resume: Bool) throws {
        self.path = path
        let fm = FileManager.default
        let folder = (path as NSString).deletingLastPathComponent
        let dir = folder.isEmpty ? "." : folder
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw ResultsFileError(description: "\(path): the folder '\(dir)' does not exist; create it first")
        }
        guard fm.isWritableFile(atPath: dir) else {
            throw ResultsFileError(description: "\(path): the folder '\(dir)' is not writable")
        }
        let settingsFile = Self.settingsPath(for: path)
        let exists = fm.fileExists(atPath: path)
        if exists {
            let recorded = (try? String(contentsOfFile: settingsFile, encoding: .utf8))
            guard let recorded else {
                throw ResultsFileError(description: """
                    \(path) exists but was not written by a sweep (no \(settingsFile)); \
                    choose another --output or remove it
                    """)
            }
            guard recorded == settings else {
                throw ResultsFileError(description: """
                    \(path) holds a sweep with other settings; refusing to mix them. \
                    Recorded:\n\(recorded)\nRequested:\n\(settings)\nChoose another --output.
                    """)
            }
            guard resume else {
                throw ResultsFileError(description: """
                    \(path) already holds rows of this sweep; pass --resume to continue it, \
                    or choose another --output
                    """)
            }
            completed = try Self.repairAndReadKeys(path: path)
        } else {
            try Data(settings.utf8).write(to: URL(fileURLWithPath: settingsFile), options: .atomic)
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ResultsFileError(description: "\(path): cannot open for writing (\(String(cString: strerror(errno))))")
        }
        descriptor = fd
        if !exists { try write(header + "\n") }
    }

    deinit { close(descriptor) }

    /// Appends whole rows with one write. (`completed` keeps only what a resume found, so memory
    /// does not grow with the sweep.)
    public func append(_ rows: [ResultRow]) throws {
        guard !rows.isEmpty else { return }
        try write(rows.map { $0.csvLine + "\n" }.joined())
    }

    private func write(_ text: String) throws {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ResultsFileError(description: "\(path): write failed (\(String(cString: strerror(errno))))")
            }
            offset += n
        }
        bytes.removeAll()
    }

    /// The length of the file up to and including its last newline, read backwards in small steps.
    private static func completeLength(path: String) throws -> Int {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ResultsFileError(description: "\(path): cannot be read to resume")
        }
        defer { try? handle.close() }
        var end = Int(handle.seekToEndOfFile())
        while end > 0 {
            let start = max(0, end - 4096)
            handle.seek(toFileOffset: UInt64(start))
            let block = handle.readData(ofLength: end - start)
            if let newline = block.lastIndex(of: UInt8(ascii: "\n")) { return start + (newline - block.startIndex) + 1 }
            end = start
        }
        return 0
    }

    /// Drops a half-written last line (no trailing newline) and returns the keys of the complete rows.
    private static func repairAndReadKeys(path: String) throws -> Set<SweepKey> {
        let keep = try Self.completeLength(path: path)
        if keep < (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0) {
            guard truncate(path, off_t(keep)) == 0 else {
                throw ResultsFileError(description: "\(path): cannot drop the half-written last line (\(String(cString: strerror(errno))))")
            }
        }
        var keys = Set<SweepKey>()
        try ResultRow.forEach(path: path) { keys.insert($0.key) }
        return keys
    }
}
