#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and atomic writes with POSIX calls, reporting failures by path.
enum AtomicFile {
    /// Reads the whole file. Throws ``ImageFileError`` naming the path and `strerror`'s reason.
    static func read(_ path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(path, "cannot open") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw failure(path, "cannot stat") }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw ImageFileError(path: path, reason: "not a regular file")
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(Int(status.st_size))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(path, "cannot read")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0 ..< count])
        }
        return bytes
    }

    /// Writes `bytes` to a temporary file in the destination's directory, flushes it, and renames
    /// it over `path`, so readers see either the old file or the complete new one, never a part.
    /// On any failure the temporary file is removed and ``ImageFileError`` names `path`.
    static func write(_ bytes: [UInt8], to path: String) throws {
        var template = Array("\(path).tmp-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw failure(path, "cannot create a temporary file next to") }
        let temporary = String(cString: template)
        var committed = false
        defer {
            if !committed { unlink(temporary) }
        }
        do {
            defer { close(descriptor) }
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes {
                    Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset)
                }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw failure(path, "cannot write")
                }
                offset += written
            }
            guard fchmod(descriptor, 0o644) == 0, fsync(descriptor) == 0 else { throw failure(path, "cannot flush") }
        }
        guard rename(temporary, path) == 0 else { throw failure(path, "cannot rename the temporary file to") }
        committed = true
    }

    private static func failure(_ path: String, _ action: String) -> ImageFileError {
        ImageFileError(path: path, reason: "\(action) the file: \(String(cString: strerror(errno)))")
    }
}
