#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
private typealias Glibc = Darwin
#endif

/// The one way the package writes a file: complete or absent, never partial.
///
/// The bytes go to a hidden temporary file made with `mkstemp` in the destination's folder, are
/// flushed with `fsync`, renamed over the destination, and the folder is `fsync`ed so that the
/// rename itself survives a power cut. A reader sees the old file or the whole new one; a failure
/// (disk full, no permission) removes the temporary file and leaves the destination as it was.
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically with mode 0644. Throws ``FileError`` naming `path`.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { try $0(bytes) }
    }

    /// Writes the chunks that `produce` passes to its argument to `path`, atomically: a file too
    /// large to hold in memory is streamed. If `produce` throws, nothing is written and the error
    /// is rethrown.
    public static func write(to path: String, _ produce: (_ append: ([UInt8]) throws -> Void) throws -> Void) throws {
        guard !path.isEmpty else { throw FileError(path: path, reason: "the output path is empty; give a file name") }
        let folder = PlatformPath.parent(path)
        let (descriptor, temporary) = try makeTemporary(in: folder, for: path)
        var committed = false
        defer { if !committed { _ = PlatformPath.withCString(temporary) { unlink($0) } } }
        do {
            defer { close(descriptor) }
            try produce { try writeAll($0, to: descriptor, path: path) }
            guard fchmod(descriptor, 0o644) == 0, fsync(descriptor) == 0 else { throw failure(path, "cannot flush") }
        }
        let renamed = PlatformPath.withCString(temporary) { from in PlatformPath.withCString(path) { to in rename(from, to) } }
        guard renamed == 0 else { throw failure(path, "cannot rename the temporary file onto") }
        committed = true
        syncFolder(folder)
    }

    /// Writes `text` as UTF-8, atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    /// Makes an empty hidden folder next to `path`, to be filled and then published with
    /// ``publishFolder(_:at:)``. Throws ``FileError`` naming `path`.
    public static func makeTemporaryFolder(beside path: String) throws -> String {
        let folder = PlatformPath.parent(path)
        var template = PlatformPath.bytes(PlatformPath.join(folder, ".sanitize-XXXXXX")).map { CChar(bitPattern: $0) } + [0]
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw failure(path, "cannot create a temporary folder next to")
        }
        return PlatformPath.decode(template.dropLast().map { UInt8(bitPattern: $0) })
    }

    /// Renames the complete folder `temporary` to `path` (which must not exist, or be an empty
    /// folder) and flushes the parent folder. Throws ``FileError`` naming `path`.
    public static func publishFolder(_ temporary: String, at path: String) throws {
        let renamed = PlatformPath.withCString(temporary) { from in PlatformPath.withCString(path) { to in rename(from, to) } }
        guard renamed == 0 else { throw failure(path, "cannot move the finished folder to") }
        syncFolder(PlatformPath.parent(path))
    }

    /// Flushes the folder `path` itself (its entries), ignoring file systems that cannot.
    public static func syncFolder(_ path: String) {
        let fd = PlatformPath.withCString(path) { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// Writes every byte of `bytes` to `descriptor`, retrying on `EINTR` and short writes.
    public static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw failure(path, "cannot write")
            }
            offset += written
        }
    }

    private static func makeTemporary(in folder: String, for path: String) throws -> (Int32, String) {
        var template = PlatformPath.bytes(PlatformPath.join(folder, ".sanitize-XXXXXX")).map { CChar(bitPattern: $0) } + [0]
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            let reason = errno
            if reason == ENOENT {
                throw FileError(path: path, reason: "the folder '\(PlatformPath.display(folder))' does not exist; create it first")
            }
            throw FileError(path: path, reason: "cannot create a file in '\(PlatformPath.display(folder))': \(String(cString: strerror(reason)))")
        }
        return (descriptor, PlatformPath.decode(template.dropLast().map { UInt8(bitPattern: $0) }))
    }

    private static func failure(_ path: String, _ action: String) -> FileError {
        FileError(path: path, reason: "\(action) the file: \(String(cString: strerror(errno)))")
    }
}
