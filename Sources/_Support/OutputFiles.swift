#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks made before a command does any work: outputs that can be written, and that are
/// neither each other nor one of the run's inputs.
public enum OutputFiles {
    /// A file a run reads or writes, with the option or role that names it (for messages).
    public struct Role: Sendable {
        /// How the user named it, e.g. `--summary` or `image`.
        public var name: String
        /// Its path.
        public var path: String
        /// A role.
        public init(_ name: String, _ path: String) {
            self.name = name
            self.path = path
        }
    }

    /// Throws ``FileError`` unless `path` is non-empty, is not a folder, and its folder exists and is writable.
    public static func checkWritable(_ path: String, option: String) throws {
        guard !path.isEmpty else {
            throw FileError(path: path, reason: "\(option) is empty; give a file path")
        }
        let kind = Files.kind(path)
        guard kind == .regular || kind == .missing || kind == .danglingSymlink else {
            throw FileError(path: path, reason: "\(option) names \(kind); give a path for a regular file")
        }
        let folder = PlatformPath.parent(path)
        guard Files.isDirectory(folder) else {
            throw FileError(path: path, reason: "the folder '\(PlatformPath.display(folder))' for \(option) does not exist; create it first")
        }
        guard PlatformPath.withCString(folder, { access($0, W_OK) }) == 0 else {
            throw FileError(path: path, reason: "the folder '\(PlatformPath.display(folder))' for \(option) is not writable")
        }
    }

    /// Throws ``FileError`` naming `option` unless the folder `path` can be created: the nearest
    /// folder that exists on the way to it must be writable (checked before the work, which
    /// would otherwise be lost at the end).
    public static func checkCreatableFolder(_ path: String, option: String) throws {
        guard !path.isEmpty else { throw FileError(path: path, reason: "\(option) is empty; give a folder path") }
        var existing = PlatformPath.parent(path)
        while existing != "." && existing != "/" && Files.kind(existing) == .missing {
            existing = PlatformPath.parent(existing)
        }
        guard Files.isDirectory(existing), PlatformPath.withCString(existing, { access($0, W_OK) }) == 0 else {
            throw FileError(path: path, reason: "\(option) cannot be created: '\(PlatformPath.display(existing))' is not a writable folder")
        }
    }

    /// Throws ``FileError`` when two outputs, or an output and an input, are the same file
    /// (compared by device and inode when they exist, else by resolved path).
    public static func checkDistinct(outputs: [Role], inputs: [Role] = []) throws {
        let outputIDs = outputs.map { Files.identity($0.path) }
        for (i, output) in outputs.enumerated() {
            for j in 0..<i where outputIDs[j] == outputIDs[i] {
                throw FileError(path: output.path, reason: """
                    \(output.name) and \(outputs[j].name) name the same file; \
                    each output needs its own path, or one would overwrite the other
                    """)
            }
        }
        guard !inputs.isEmpty else { return }
        let inputIDs = Dictionary(inputs.map { (Files.identity($0.path), $0) }, uniquingKeysWith: { a, _ in a })
        for (i, output) in outputs.enumerated() {
            if let input = inputIDs[outputIDs[i]] {
                throw FileError(path: output.path, reason: """
                    \(output.name) names the same file as the \(input.name) '\(PlatformPath.display(input.path))'; \
                    choose another path so that the input is not overwritten
                    """)
            }
        }
    }
}

/// An exclusive lock on an output for the life of a run, so that a second run on the same
/// output is refused instead of interleaving rows.
///
/// The lock is `flock(2)` on `<output>.lock`, which records the holder's process id. The kernel
/// drops the lock when the process dies, so a killed run never leaves a stale lock; the file is
/// removed when the lock is released.
public final class OutputLock {
    /// The lock file's path.
    public let path: String
    private var descriptor: Int32 = -1

    /// Takes the lock for `output`, or throws ``FileError`` saying which process holds it.
    public init(for output: String) throws {
        path = output + ".lock"
        while true {
            let fd = PlatformPath.withCString(path) { open($0, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644) }
            guard fd >= 0 else {
                throw FileError(path: output, reason: "cannot create the lock file '\(PlatformPath.display(path))': \(String(cString: strerror(errno)))")
            }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let holder = Self.holder(fd)
                close(fd)
                throw FileError(path: output, reason: """
                    another sanitize run\(holder.map { " (process \($0))" } ?? "") is writing it; \
                    wait for that run to finish, or choose another output
                    """)
            }
            // The holder before us may have removed the file between our open and our lock: retry on the new one.
            var opened = stat(), current = stat()
            guard fstat(fd, &opened) == 0, PlatformPath.withCString(path, { stat($0, &current) }) == 0,
                  opened.st_dev == current.st_dev, opened.st_ino == current.st_ino else {
                close(fd)
                continue
            }
            let pid = Array("\(getpid())\n".utf8)
            _ = ftruncate(fd, 0)
            _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
            descriptor = fd
            return
        }
    }

    /// Releases the lock and removes the lock file; called at the latest when the value is released.
    public func release() {
        guard descriptor >= 0 else { return }
        _ = PlatformPath.withCString(path) { unlink($0) }
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }

    private static func holder(_ fd: Int32) -> Int? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, 0) }
        guard n > 0 else { return nil }
        return Int(String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
