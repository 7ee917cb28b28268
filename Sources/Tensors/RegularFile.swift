#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A regular file opened for reading by position, for the safetensors reader (the same shape as
/// `_Support.ReadableFile`, which should replace it once `Tensors` can import `_Support`).
///
/// The file type is checked before and after opening: `open` of a FIFO without a writer blocks
/// forever and `open` of a socket fails with a misleading reason, so the path is `stat`ed first
/// and opened with `O_NONBLOCK`, then `fstat`ed, so that a file swapped in between is caught too.
final class RegularFile {
    /// The path, for messages.
    let path: String
    /// Bytes in the file when it was opened.
    let size: Int
    private let descriptor: Int32

    /// Opens `path`, refusing anything but a regular file (following symbolic links).
    ///
    /// - Throws: `SafeTensorsError` naming the path and, for a special file, its kind.
    init(path: String) throws {
        self.path = path
        var status = stat()
        guard stat(path, &status) == 0 else { throw Self.failure(path, "cannot read the file") }
        try Self.requireRegular(status, path)
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.failure(path, "cannot open the file") }
        guard fstat(descriptor, &status) == 0 else {
            let error = Self.failure(path, "cannot read the file")
            close(descriptor)
            throw error
        }
        do {
            try Self.requireRegular(status, path)
        } catch {
            close(descriptor)
            throw error
        }
        self.descriptor = descriptor
        self.size = Int(status.st_size)
    }

    deinit { close(descriptor) }

    /// Exactly `count` bytes from `offset`.
    ///
    /// - Throws: `SafeTensorsError` when reading fails or the file is shorter than it was when opened.
    func read(count: Int, at offset: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Self.failure(path, "cannot read the file")
            }
            guard n > 0 else {
                throw SafeTensorsError(source: path, tensor: nil,
                                       reason: "the file shrank to \(offset + done) bytes while it was being read; read it again once it is complete")
            }
            done += n
        }
        return bytes
    }

    /// Throws unless `status` describes a regular file, naming the kind of file it is.
    private static func requireRegular(_ status: stat, _ path: String) throws {
        let kind: String
        switch status.st_mode & S_IFMT {
        case S_IFREG: return
        case S_IFIFO: kind = "a FIFO"
        case S_IFSOCK: kind = "a socket"
        case S_IFCHR: kind = "a character device"
        case S_IFBLK: kind = "a block device"
        case S_IFDIR: kind = "a directory"
        default: kind = "a special file"
        }
        throw SafeTensorsError(source: path, tensor: nil,
                               reason: "not a regular file (\(kind)); give the path of a safetensors file")
    }

    private static func failure(_ path: String, _ action: String) -> SafeTensorsError {
        SafeTensorsError(source: path, tensor: nil, reason: "\(action) (\(String(cString: strerror(errno))))")
    }
}
