import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whole-file reads with a size cap, and atomic writes (temporary file, fsync, rename).
///
/// Atomic writes are what make the codec cache and the poisoned-set writer safe against being
/// killed mid-write: a reader sees either the previous file or the complete new one, never a
/// prefix.
public enum FileIO {
    // MARK: - Reading

    /// Reads a whole file, refusing files larger than `limit` bytes before allocating.
    ///
    /// - Throws: `DatasetError.unreadable` when the file is missing or unreadable,
    ///   `DatasetError.tooLarge` when its size exceeds `limit`.
    public static func read(_ path: String, limit: Int) throws -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw DatasetError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw DatasetError.unreadable(path: path, reason: "not a regular file")
        }
        guard Int(info.st_size) <= limit else { throw DatasetError.tooLarge(path: path, limit: limit) }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DatasetError.unreadable(path: path, reason: "cannot open for reading")
        }
        defer { try? handle.close() }
        do {
            let data = try handle.readToEnd() ?? Data()
            guard data.count <= limit else { throw DatasetError.tooLarge(path: path, limit: limit) }
            return [UInt8](data)
        } catch let error as DatasetError {
            throw error
        } catch {
            throw DatasetError.unreadable(path: path, reason: "\(error)")
        }
    }

    // MARK: - Writing

    /// Writes `bytes` to `path` atomically: the bytes go to a temporary file in the same
    /// directory, are flushed to disk, and the temporary file is renamed over `path`.
    ///
    /// If the process dies at any point, `path` holds either its previous content or all of
    /// `bytes`; at worst a stray `.tmp-*` file is left next to it.
    /// - Throws: `DatasetError.unwritable` naming `path` and the system's reason.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let temporary = path + ".tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else {
            throw DatasetError.unwritable(path: path, reason: String(cString: strerror(errno)))
        }
        var ok = false
        defer {
            if !ok { unlink(temporary) }
        }
        var written = 0
        let status: Int32 = bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += n
            }
            return fsync(fd) == 0 ? 0 : errno
        }
        close(fd)
        guard status == 0 else {
            throw DatasetError.unwritable(path: path, reason: String(cString: strerror(status)))
        }
        guard rename(temporary, path) == 0 else {
            throw DatasetError.unwritable(path: path, reason: String(cString: strerror(errno)))
        }
        ok = true
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
