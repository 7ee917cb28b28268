#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
private typealias Glibc = Darwin
#endif

/// A file written beside its destination under a hidden temporary name and renamed into place
/// only by ``commit()``, so that the destination holds either its previous content or the
/// complete new one. ``AtomicFile`` writes through it.
///
/// Two staged files committed one after the other (a training log and its weights) are both
/// complete on disk before either is renamed, which keeps the window in which one is new and the
/// other old down to two renames. Discarding (or releasing without committing) removes the
/// temporary file; a killed process leaves it behind as `.<name>.tmp-XXXXXX`, which folder
/// listings skip as hidden.
public final class StagedFile {
    /// The destination.
    public let path: String
    /// The temporary file the bytes are written to until ``commit()``.
    public let temporaryPath: String
    private var descriptor: Int32
    private var finished = false

    /// Creates the temporary file beside `path` (`mkstemp`, mode 0644).
    /// Throws ``FileError`` naming `path` when it is empty or its folder is missing or unwritable.
    public init(for path: String) throws {
        guard !path.isEmpty else { throw FileError(path: path, reason: "the output path is empty; give a file name") }
        self.path = path
        let folder = PlatformPath.parent(path)
        let name = PlatformPath.lastComponent(path)
        // Keep the temporary name within NAME_MAX whatever the destination's name.
        let stem = String(decoding: PlatformPath.bytes(name).prefix(200), as: UTF8.self)
        var template = PlatformPath.bytes(PlatformPath.join(folder, ".\(stem).tmp-XXXXXX")).map { CChar(bitPattern: $0) } + [0]
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            let reason = errno
            if reason == ENOENT {
                throw FileError(path: path, reason: "the folder '\(PlatformPath.display(folder))' does not exist; create it first")
            }
            throw FileError(path: path, reason: "cannot create a file in '\(PlatformPath.display(folder))': \(String(cString: strerror(reason)))")
        }
        descriptor = fd
        temporaryPath = PlatformPath.decode(template.dropLast().map { UInt8(bitPattern: $0) })
        guard fchmod(fd, 0o644) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw FileError(path: path, reason: "cannot set the file's mode: \(reason)")
        }
    }

    deinit { discard() }

    /// Appends `bytes` to the temporary file. Throws ``FileError`` naming the destination (a full disk).
    public func append(_ bytes: [UInt8]) throws {
        precondition(!finished, "StagedFile.append after commit or discard")
        try AtomicFile.writeAll(bytes, to: descriptor, path: path)
    }

    /// Flushes what was appended so far to disk (`fsync`).
    public func synchronize() throws {
        guard fsync(descriptor) == 0 else {
            throw FileError(path: path, reason: "cannot flush: \(String(cString: strerror(errno)))")
        }
    }

    /// Flushes the temporary file, renames it over the destination and flushes the folder.
    /// Throws ``FileError`` naming the destination; the temporary file is then removed.
    public func commit() throws {
        precondition(!finished, "StagedFile.commit twice or after discard")
        do {
            try synchronize()
            close(descriptor)
            descriptor = -1
            let renamed = PlatformPath.withCString(temporaryPath) { from in PlatformPath.withCString(path) { rename(from, $0) } }
            guard renamed == 0 else {
                throw FileError(path: path, reason: "cannot rename the finished file into place: \(String(cString: strerror(errno)))")
            }
            finished = true
        } catch {
            discard()
            throw error
        }
        try AtomicFile.syncFolder(PlatformPath.parent(path))
    }

    /// Removes the temporary file, leaving the destination untouched. Does nothing after ``commit()``.
    public func discard() {
        guard !finished else { return }
        finished = true
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        _ = PlatformPath.withCString(temporaryPath) { unlink($0) }
    }
}

/// A folder built under a temporary name beside its destination and renamed into place whole by
/// ``commit(mayReplace:)``, so that a reader never sees a partly written folder under the
/// destination's name.
///
/// The temporary folder is `.<name>.partial-XXXXXX` in the destination's parent; a killed
/// process leaves it there, and ``isTemporaryName(_:)`` recognises it so that readers can refuse it.
public final class StagedDirectory {
    /// The destination folder.
    public let path: String
    /// The folder the contents are written to until ``commit(mayReplace:)``.
    public let temporaryPath: String
    private var finished = false

    /// Creates the parent folders of `path` if needed and an empty temporary folder beside it.
    /// Throws ``FileError`` naming `path`.
    public init(for path: String) throws {
        self.path = path
        try Files.makeFolder(PlatformPath.parent(path))
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
    /// Throws ``FileError`` naming the destination, or what `mayReplace` throws.
    public func commit(mayReplace: (String) throws -> Void) throws {
        precondition(!finished, "StagedDirectory.commit twice or after discard")
        try AtomicFile.syncFolder(temporaryPath)
        var aside: String?
        var info = stat()
        if PlatformPath.withCString(path, { lstat($0, &info) }) == 0 {
            try mayReplace(path)
            let old = try Self.makeTemporary(beside: path, kind: "replaced")
            guard Self.rename(path, old) == 0 else {
                let reason = String(cString: strerror(errno))
                _ = PlatformPath.withCString(old) { rmdir($0) }
                throw FileError(path: path, reason: "cannot move the previous folder aside: \(reason)")
            }
            aside = old
        }
        guard Self.rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            if let aside { _ = Self.rename(aside, path) }
            throw FileError(path: path, reason: "cannot rename the finished folder into place: \(reason)")
        }
        finished = true
        try AtomicFile.syncFolder(PlatformPath.parent(path))
        if let aside { Files.removeTree(aside) }
    }

    /// Deletes the temporary folder and its contents. Does nothing after ``commit(mayReplace:)``.
    public func discard() {
        guard !finished else { return }
        finished = true
        Files.removeTree(temporaryPath)
    }

    private static func rename(_ from: String, _ to: String) -> Int32 {
        PlatformPath.withCString(from) { a in PlatformPath.withCString(to) { Glibc.rename(a, $0) } }
    }

    /// A new empty folder `.<name>.<kind>-XXXXXX` beside `path` (`mkdtemp`).
    private static func makeTemporary(beside path: String, kind: String) throws -> String {
        let name = PlatformPath.lastComponent(path)
        var template = PlatformPath.bytes(PlatformPath.join(PlatformPath.parent(path), ".\(name).\(kind)-XXXXXX"))
            .map { CChar(bitPattern: $0) } + [0]
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw FileError(path: path, reason: "cannot create a temporary folder beside it: \(String(cString: strerror(errno)))")
        }
        return PlatformPath.decode(template.dropLast().map { UInt8(bitPattern: $0) })
    }
}
