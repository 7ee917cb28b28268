import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whole-file reads with a size cap and a file-type check, and atomic writes (temporary file,
/// fsync, rename, fsync of the directory).
///
/// Atomic writes are what make the codec cache and the poisoned-set writer safe against being
/// killed mid-write: a reader sees either the previous file or the complete new one, never a
/// prefix.
public enum FileIO {
    // MARK: - Reading

    /// Reads a whole file, refusing files larger than `limit` bytes before allocating.
    ///
    /// The path is `stat`ed before it is opened and opened with `O_NONBLOCK`, then `fstat`ed, so
    /// that a FIFO, socket, device or directory is refused by kind and never blocks the process.
    ///
    /// - Throws: `DatasetError.unreadable` when the file is missing, unreadable or not a regular
    ///   file, `DatasetError.tooLarge` when its size exceeds `limit`.
    public static func read(_ path: String, limit: Int) throws -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw DatasetError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        try requireRegularFile(info, path)
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw DatasetError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        guard fstat(descriptor, &info) == 0 else {
            throw DatasetError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        try requireRegularFile(info, path)
        guard Int(info.st_size) <= limit else { throw DatasetError.tooLarge(path: path, limit: limit) }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { readBytes(descriptor, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DatasetError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            done += n
        }
        var probe: UInt8 = 0
        guard done < bytes.count || readBytes(descriptor, &probe, 1) <= 0 else {
            throw DatasetError.unreadable(path: path, reason: "the file grew while it was being read; read it again once it is complete")
        }
        // A file that shrank is returned as read; the format checks then report it as truncated.
        bytes.removeLast(bytes.count - done)
        return bytes
    }

    /// Throws `DatasetError.unreadable` naming the kind of file unless `info` describes a regular file.
    static func requireRegularFile(_ info: stat, _ path: String) throws {
        let kind: String
        switch info.st_mode & S_IFMT {
        case S_IFREG: return
        case S_IFIFO: kind = "a FIFO"
        case S_IFSOCK: kind = "a socket"
        case S_IFCHR: kind = "a character device"
        case S_IFBLK: kind = "a block device"
        case S_IFDIR: kind = "a directory"
        default: kind = "a special file"
        }
        throw DatasetError.unreadable(path: path, reason: "not a regular file (\(kind)); give the path of a regular file")
    }

    // MARK: - Writing

    /// Writes `bytes` to `path` atomically: the bytes go to a temporary file in the same
    /// directory (`mkstemp`), are flushed to disk (`fsync`), the temporary file is renamed over
    /// `path`, and the directory is flushed so that the rename itself survives a crash.
    ///
    /// If the process dies at any point, `path` holds either its previous content or all of
    /// `bytes`; at worst a stray `.tmp-*` file is left next to it.
    /// - Throws: `DatasetError.unwritable` naming `path` and the system's reason.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let staged = try StagedFile(for: path)
        try staged.append(bytes)
        try staged.commit()
    }

    /// Flushes the directory holding `path` (so a rename or creation inside it is durable).
    ///
    /// - Throws: `DatasetError.unwritable` naming `path` when the directory cannot be flushed.
    public static func syncDirectory(containing path: String) throws {
        try syncDirectory(parentDirectory(of: path))
    }

    /// Flushes the directory `path` itself.
    static func syncDirectory(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw DatasetError.unwritable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 || errno == EINVAL else {
            throw DatasetError.unwritable(path: path, reason: "cannot flush the directory: \(String(cString: strerror(errno)))")
        }
    }

    /// The folder part of `path`: `.` when there is none, `/` for a file at the root; trailing
    /// slashes are ignored. (Foundation's `deletingLastPathComponent` traps on one-character
    /// paths such as `x`, so it is not used.)
    public static func parentDirectory(of path: String) -> String {
        var bytes = Array(path.utf8)
        while bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        guard var end = bytes.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        while end > 0, bytes[end - 1] == UInt8(ascii: "/") { end -= 1 }
        return end == 0 ? "/" : String(decoding: bytes[..<end], as: UTF8.self)
    }

    /// Creates `path` and its parents if needed and checks that it is a writable directory.
    ///
    /// - Throws: `DatasetError.unwritable` when it cannot be created or written.
    public static func ensureDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw DatasetError.unwritable(path: path, reason: "cannot create directory: \(error.localizedDescription)")
        }
        guard access(path, W_OK) == 0 else {
            throw DatasetError.unwritable(path: path, reason: "directory is not writable")
        }
    }
}

/// `read(2)`, under a name that the static `FileIO.read` does not shadow.
private func readBytes(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}

// MARK: - Staged files

/// A file written next to its destination under a temporary name and renamed into place only by
/// `commit()`, so that the destination holds either its previous content or the complete new one.
///
/// Two staged files committed one after the other (a training log and its weights) are both
/// complete on disk before either is renamed, which keeps the window in which one is new and the
/// other old down to two renames. Discarding (or dropping without committing) removes the
/// temporary file; a killed process leaves it behind as `<destination>.tmp-XXXXXX`.
public final class StagedFile {
    /// The destination.
    public let path: String
    /// The temporary file the bytes are written to until `commit()`.
    public let temporaryPath: String
    private var descriptor: Int32
    private var finished = false

    /// Creates the temporary file beside `path` (`mkstemp`, mode 0644).
    ///
    /// - Throws: `DatasetError.unwritable` naming `path` when the directory is missing or unwritable.
    public init(for path: String) throws {
        self.path = path
        var template = Array("\(path).tmp-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw DatasetError.unwritable(path: path, reason: "cannot create a temporary file beside it: \(String(cString: strerror(errno)))")
        }
        self.descriptor = descriptor
        temporaryPath = String(cString: template)
        guard fchmod(descriptor, 0o644) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw DatasetError.unwritable(path: path, reason: reason)
        }
    }

    deinit { discard() }

    /// Appends `bytes` to the temporary file.
    ///
    /// - Throws: `DatasetError.unwritable` naming the destination (a full disk, for example).
    public func append(_ bytes: [UInt8]) throws {
        precondition(!finished, "StagedFile.append after commit or discard")
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DatasetError.unwritable(path: path, reason: String(cString: strerror(errno)))
            }
            written += n
        }
    }

    /// Flushes what was appended so far to disk (`fsync`).
    public func synchronize() throws {
        guard fsync(descriptor) == 0 else {
            throw DatasetError.unwritable(path: path, reason: "cannot flush: \(String(cString: strerror(errno)))")
        }
    }

    /// Flushes the temporary file, renames it over the destination and flushes the directory.
    ///
    /// - Throws: `DatasetError.unwritable` naming the destination; the temporary file is then removed.
    public func commit() throws {
        precondition(!finished, "StagedFile.commit twice or after discard")
        do {
            try synchronize()
            close(descriptor)
            descriptor = -1
            guard rename(temporaryPath, path) == 0 else {
                throw DatasetError.unwritable(path: path, reason: "cannot rename \(temporaryPath) to it: \(String(cString: strerror(errno)))")
            }
            finished = true
        } catch {
            discard()
            throw error
        }
        try FileIO.syncDirectory(containing: path)
    }

    /// Removes the temporary file, leaving the destination untouched. Does nothing after `commit()`.
    public func discard() {
        guard !finished else { return }
        finished = true
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(temporaryPath)
    }
}

// MARK: - Staged directories

/// A folder built under a temporary name beside its destination and renamed into place whole by
/// `commit()`, so that a reader never sees a partly written folder under the destination's name.
///
/// The temporary folder is `.<name>.partial-XXXXXX` in the destination's parent; a killed
/// process leaves it there, and `isTemporaryName` recognises it so that readers can refuse it.
public final class StagedDirectory {
    /// The destination folder.
    public let path: String
    /// The folder the contents are written to until `commit()`.
    public let temporaryPath: String
    private var finished = false

    /// Creates the parent folders of `path` if needed and an empty temporary folder beside it.
    ///
    /// - Throws: `DatasetError.unwritable` naming `path`.
    public init(for path: String) throws {
        self.path = path
        let parent = FileIO.parentDirectory(of: path)
        try FileIO.ensureDirectory(parent)
        temporaryPath = try Self.makeTemporary(beside: path, kind: "partial")
    }

    deinit { discard() }

    /// True for the name of a temporary folder of this type (a leftover of a killed run).
    public static func isTemporaryName(_ name: String) -> Bool {
        name.hasPrefix(".") && (name.contains(".partial-") || name.contains(".replaced-"))
    }

    /// Flushes the temporary folder and renames it to the destination.
    ///
    /// When the destination exists it must be a folder that `mayReplace` accepts: it is first
    /// renamed aside (to `.<name>.replaced-XXXXXX`), the new folder takes its name, and only then
    /// is the old one deleted, so a kill at any point leaves either folder whole.
    ///
    /// - Throws: `DatasetError.unwritable` naming the destination, or what `mayReplace` throws.
    public func commit(mayReplace: (String) throws -> Void) throws {
        precondition(!finished, "StagedDirectory.commit twice or after discard")
        try FileIO.syncDirectory(temporaryPath)
        var aside: String?
        var info = stat()
        if lstat(path, &info) == 0 {
            try mayReplace(path)
            let old = try Self.makeTemporary(beside: path, kind: "replaced")
            guard rename(path, old) == 0 else {
                let reason = String(cString: strerror(errno))
                rmdir(old)
                throw DatasetError.unwritable(path: path, reason: "cannot move the previous folder aside: \(reason)")
            }
            aside = old
        }
        guard rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            if let aside { _ = rename(aside, path) }
            throw DatasetError.unwritable(path: path, reason: "cannot rename \(temporaryPath) to it: \(reason)")
        }
        finished = true
        try FileIO.syncDirectory(containing: path)
        if let aside { try? FileManager.default.removeItem(atPath: aside) }
    }

    /// Deletes the temporary folder and its contents. Does nothing after `commit()`.
    public func discard() {
        guard !finished else { return }
        finished = true
        try? FileManager.default.removeItem(atPath: temporaryPath)
    }

    /// A new empty folder `.<name>.<kind>-XXXXXX` beside `path` (`mkdtemp`).
    private static func makeTemporary(beside path: String, kind: String) throws -> String {
        let parent = FileIO.parentDirectory(of: path)
        let name = (path as NSString).lastPathComponent
        var template = Array("\(parent)/.\(name).\(kind)-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw DatasetError.unwritable(path: path, reason: "cannot create a temporary folder beside it: \(String(cString: strerror(errno)))")
        }
        return String(cString: template)
    }
}
