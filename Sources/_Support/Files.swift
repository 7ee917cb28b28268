#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a path names, as `stat(2)` sees it.
public enum FileKind: Equatable, Sendable, CustomStringConvertible {
    /// A regular file.
    case regular
    /// A folder.
    case directory
    /// A named pipe: opening it for reading blocks until a writer appears.
    case fifo
    /// A Unix socket.
    case socket
    /// A character device such as `/dev/zero`.
    case characterDevice
    /// A block device.
    case blockDevice
    /// A symbolic link whose target does not exist.
    case danglingSymlink
    /// A symbolic link that leads back to itself.
    case symlinkLoop
    /// Nothing: no such file.
    case missing
    /// Anything else `stat` reports.
    case other

    /// A short phrase for messages: "a FIFO", "a folder", ….
    public var description: String {
        switch self {
        case .regular: return "a regular file"
        case .directory: return "a folder"
        case .fifo: return "a FIFO (named pipe)"
        case .socket: return "a socket"
        case .characterDevice: return "a character device"
        case .blockDevice: return "a block device"
        case .danglingSymlink: return "a symbolic link to a missing file"
        case .symlinkLoop: return "a symbolic link loop"
        case .missing: return "missing"
        case .other: return "not a regular file"
        }
    }
}

/// File-system queries and reads that never block on special files and report failures by path.
public enum Files {
    /// The kind of file `path` names, following symbolic links.
    public static func kind(_ path: String) -> FileKind {
        var info = stat()
        let status = PlatformPath.withCString(path) { stat($0, &info) }
        guard status == 0 else {
            let reason = errno
            if reason == ELOOP { return .symlinkLoop }
            var link = stat()
            if reason == ENOENT, PlatformPath.withCString(path, { lstat($0, &link) }) == 0,
               (link.st_mode & S_IFMT) == S_IFLNK {
                return .danglingSymlink
            }
            return .missing
        }
        return kind(mode: info.st_mode)
    }

    static func kind(mode: mode_t) -> FileKind {
        switch mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFIFO: return .fifo
        case S_IFSOCK: return .socket
        case S_IFCHR: return .characterDevice
        case S_IFBLK: return .blockDevice
        default: return .other
        }
    }

    /// Whether `path` exists (following links).
    public static func exists(_ path: String) -> Bool {
        let kind = kind(path)
        return kind != .missing && kind != .danglingSymlink
    }

    /// Whether `path` is a folder (following links).
    public static func isDirectory(_ path: String) -> Bool { kind(path) == .directory }

    /// Reads the whole regular file at `path`, refusing it before reading when it is larger than `limit` bytes.
    ///
    /// Throws ``FileError`` naming the path: missing, unreadable, not a regular file (a FIFO, a
    /// device, a folder: checked before any blocking open), or too large.
    public static func read(_ path: String, limit: Int) throws -> [UInt8] {
        let file = try ReadableFile(path: path)
        guard file.size <= limit else {
            throw FileError(path: path, reason: "file of \(file.size) bytes exceeds the limit of \(limit) bytes")
        }
        return try file.read(count: file.size, at: 0)
    }

    /// Lists a folder: the names of its regular, non-hidden files (following links), sorted by
    /// their bytes, and the entries that cannot be read as files, each with the reason.
    ///
    /// Subfolders and hidden entries (starting with `.`) are left out silently; FIFOs, sockets,
    /// devices, dangling links and link loops are reported, never dropped.
    public static func listFolder(_ path: String) throws -> (files: [String], problems: [(name: String, reason: String)]) {
        var names = try entries(path).filter { !$0.hasPrefix(".") }
        names.sort { PlatformPath.bytes($0).lexicographicallyPrecedes(PlatformPath.bytes($1)) }
        var files: [String] = []
        var problems: [(name: String, reason: String)] = []
        for name in names {
            let kind = kind(PlatformPath.join(path, name))
            switch kind {
            case .regular: files.append(name)
            case .directory: continue
            default: problems.append((name, "\(kind), not an image file"))
            }
        }
        return (files, problems)
    }

    /// The names in the folder `path`, every entry but `.` and `..`, in no particular order.
    /// Throws ``FileError`` when it cannot be listed.
    public static func entries(_ path: String) throws -> [String] {
        guard let folder = PlatformPath.withCString(path, { opendir($0) }) else {
            throw FileError(path: path, reason: "cannot list the folder: \(String(cString: strerror(errno)))")
        }
        defer { closedir(folder) }
        var names: [String] = []
        while let entry = readdir(folder) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { PlatformPath.decode($0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Creates the folder `path` and its parents where missing, and checks that it is a writable
    /// folder. Throws ``FileError`` naming the folder.
    public static func makeFolder(_ path: String) throws {
        if kind(path) == .missing {
            let parent = PlatformPath.parent(path)
            if parent != path { try makeFolder(parent) }
            if PlatformPath.withCString(path, { mkdir($0, 0o755) }) != 0 && errno != EEXIST {
                throw FileError(path: path, reason: "cannot create the folder: \(String(cString: strerror(errno)))")
            }
        }
        guard isDirectory(path) else { throw FileError(path: path, reason: "\(kind(path)), not a folder") }
        guard PlatformPath.withCString(path, { access($0, W_OK) }) == 0 else {
            throw FileError(path: path, reason: "the folder is not writable")
        }
    }

    /// Deletes `path` and, for a folder, everything in it, without following symbolic links.
    /// Failures are ignored: this cleans up the package's own temporary folders.
    public static func removeTree(_ path: String) {
        var info = stat()
        guard PlatformPath.withCString(path, { lstat($0, &info) }) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in (try? entries(path)) ?? [] { removeTree(PlatformPath.join(path, name)) }
            _ = PlatformPath.withCString(path) { rmdir($0) }
        } else {
            _ = PlatformPath.withCString(path) { unlink($0) }
        }
    }

    /// The canonical form of `path` for comparing files: the device and inode when it exists,
    /// else the resolved folder joined with the name.
    public static func identity(_ path: String) -> String {
        var info = stat()
        if PlatformPath.withCString(path, { stat($0, &info) }) == 0 {
            return "inode \(info.st_dev):\(info.st_ino)"
        }
        let folder = PlatformPath.parent(path)
        let resolved: String = PlatformPath.withCString(folder) { cFolder in
            guard let real = realpath(cFolder, nil) else { return folder }
            defer { free(real) }
            return PlatformPath.decode(real)
        }
        return "path " + PlatformPath.join(resolved, PlatformPath.lastComponent(path))
    }
}

/// A regular file opened for reading, checked before any read can block.
///
/// The path is opened with `O_NONBLOCK` (so a FIFO cannot hang the open) and `fstat`ed; anything
/// but a regular file is refused, naming what it is. Then reads are ordinary blocking reads.
public final class ReadableFile {
    /// The path, as given.
    public let path: String
    /// The file's size in bytes when it was opened.
    public let size: Int
    /// The open descriptor; closed when the value is released.
    public let descriptor: Int32

    /// Opens `path`. Throws ``FileError`` when it is missing, unreadable or not a regular file.
    public init(path: String) throws {
        self.path = path
        guard !path.isEmpty else { throw FileError(path: path, reason: "the path is empty; give a file") }
        let kind = Files.kind(path)
        guard kind == .regular else {
            if kind == .missing { throw FileError(path: path, reason: "no such file") }
            throw FileError(path: path, reason: "\(kind), not a regular file; give a regular file")
        }
        let fd = PlatformPath.withCString(path) { open($0, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY) }
        guard fd >= 0 else {
            throw FileError(path: path, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0, Files.kind(mode: info.st_mode) == .regular else {
            close(fd)
            throw FileError(path: path, reason: "\(Files.kind(mode: info.st_mode)), not a regular file; give a regular file")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        descriptor = fd
        size = Int(info.st_size)
    }

    deinit { close(descriptor) }

    /// Reads `count` bytes at `offset`. Throws when the file is shorter (it changed since it was opened).
    public func read(count: Int, at offset: Int) throws -> [UInt8] {
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress! + done, count - done, off_t(offset + done))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileError(path: path, reason: "cannot read: \(String(cString: strerror(errno)))")
            }
            if n == 0 {
                throw FileError(path: path, reason: "the file ended after \(offset + done) bytes; was it changed while being read?")
            }
            done += n
        }
        return bytes
    }
}
