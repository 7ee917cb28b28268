#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
private typealias Glibc = Darwin
#endif

/// The one way the package writes a file: complete or absent, never partial.
///
/// Every write goes through ``StagedFile``: the bytes go to a hidden temporary file made with
/// `mkstemp` in the destination's folder, are flushed with `fsync`, renamed over the destination,
/// and the folder is `fsync`ed so that the rename itself survives a power cut. A reader sees the
/// old file or the whole new one; a failure (disk full, no permission) removes the temporary
/// file and leaves the destination as it was.
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically with mode 0644. Throws ``FileError`` naming `path`.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { try $0(bytes) }
    }

    /// Writes the chunks that `produce` passes to its argument to `path`, atomically: a file too
    /// large to hold in memory is streamed. If `produce` throws, nothing is written and the error
    /// is rethrown.
    public static func write(to path: String, _ produce: (_ append: ([UInt8]) throws -> Void) throws -> Void) throws {
        let staged = try StagedFile(for: path)
        try produce { try staged.append($0) }
        try staged.commit()
    }

    /// Writes `text` as UTF-8, atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    /// Flushes the folder `path` itself (its entries), so that a rename or creation inside it is
    /// durable. File systems that cannot flush a folder (`EINVAL`) are accepted.
    /// Throws ``FileError`` naming the folder.
    public static func syncFolder(_ path: String) throws {
        let fd = PlatformPath.withCString(path) { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else { throw failure(path, "cannot open the folder to flush") }
        defer { close(fd) }
        guard fsync(fd) == 0 || errno == EINVAL else { throw failure(path, "cannot flush the folder") }
    }

    /// Writes every byte of `bytes` to `descriptor`, retrying on `EINTR` and short writes.
    public static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw failure(path, "cannot write the file")
            }
            offset += written
        }
    }

    private static func failure(_ path: String, _ action: String) -> FileError {
        FileError(path: path, reason: "\(action): \(String(cString: strerror(errno)))")
    }
}
