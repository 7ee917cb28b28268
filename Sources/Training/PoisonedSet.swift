import _Support
import Datasets
import Foundation

/// A poisoned training set on disk: the folder `sanitize poison` writes and `sanitize train
/// --train-dir` reads.
///
/// The folder holds `train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz` and
/// `poison.txt`. `poison.txt` holds the settings as `key=value` lines and, last, one line per
/// data file: `file=NAME bytes=N crc32=XXXXXXXX` (CRC-32 of the file as stored). The folder is
/// built under a temporary name and renamed into place only when complete, and a reader checks
/// every file against `poison.txt`, so a folder left by a killed run is never trained on.
public enum PoisonedSet {
    /// The settings and manifest file.
    public static let manifestName = "poison.txt"

    /// The data files of a set: the Fashion-MNIST training split.
    public static var dataFileNames: [String] {
        let names = FashionMNIST.fileNames(.train)
        return [names.images, names.labels]
    }

    /// Every name a set's folder may hold.
    public static var fileNames: [String] { dataFileNames + [manifestName] }

    /// Largest `poison.txt` read: 1 MiB, far above the few hundred bytes it holds.
    static let manifestLimit = 1 << 20

    // MARK: - Writing

    /// Writes `set` (gray) with `settings` to `directory`, replacing a previous poisoned set there.
    ///
    /// Everything is written, flushed and checked in a temporary folder beside `directory`, which
    /// is then renamed to `directory`; a previous set is moved aside first and deleted last.
    ///
    /// - Throws: `PoisonedSetError` when `directory` exists but is not a poisoned set (see
    ///   `checkReplaceable`), `FileError` when writing fails.
    public static func write(_ set: LabeledImages, settings: [(key: String, value: String)], to directory: String) throws {
        try checkReplaceable(directory)
        let staged = try StagedDirectory(for: directory)
        try FashionMNIST.write(set, as: .train, to: staged.temporaryPath)
        // A value holding a line break (a folder name, say) must not forge a manifest line.
        func oneLine(_ text: String) -> String {
            text.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
        }
        var lines = settings.map { "\(oneLine($0.key))=\(oneLine($0.value))" }
        for name in dataFileNames {
            let bytes = try Files.read(staged.temporaryPath + "/" + name, limit: Gzip.defaultLimit)
            lines.append("file=\(name) bytes=\(bytes.count) crc32=\(hex(Gzip.crc32(bytes)))")
        }
        try AtomicFile.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: staged.temporaryPath + "/" + manifestName)
        try verify(staged.temporaryPath, allowTemporaryName: true)
        try staged.commit(mayReplace: checkReplaceable)
    }

    /// Throws unless `directory` is absent, an empty folder, or a folder holding only the files
    /// of a poisoned set (complete or not): the only folders `write` may replace.
    ///
    /// - Throws: `PoisonedSetError.notReplaceable` naming the folder and what else it holds.
    public static func checkReplaceable(_ directory: String) throws {
        let kind = Files.kind(directory)
        guard kind != .missing else { return }
        guard kind == .directory else {
            throw PoisonedSetError.notReplaceable(path: directory, reason: "it exists and is not a folder")
        }
        let contents: [String]
        do {
            contents = try Files.entries(directory)
        } catch let error as FileError {
            throw PoisonedSetError.notReplaceable(path: directory, reason: error.reason)
        }
        let known = Set(fileNames)
        let others = contents.filter { !known.contains($0) }.sorted()
        guard others.isEmpty else {
            throw PoisonedSetError.notReplaceable(
                path: directory, reason: "it holds files that are not part of a poisoned set (\(others.prefix(5).joined(separator: ", ")))")
        }
    }

    // MARK: - Reading

    /// Checks that `directory` is a complete poisoned set: not a leftover temporary folder, with a
    /// `poison.txt` whose manifest lists every data file, each present with the recorded size and
    /// CRC-32.
    ///
    /// - Throws: `PoisonedSetError.incomplete` naming the folder and what is wrong.
    public static func verify(_ directory: String) throws {
        try verify(directory, allowTemporaryName: false)
    }

    static func verify(_ directory: String, allowTemporaryName: Bool) throws {
        func fail(_ reason: String) -> PoisonedSetError { .incomplete(path: directory, reason: reason) }
        let name = PlatformPath.lastComponent(directory)
        if !allowTemporaryName, StagedDirectory.isTemporaryName(name) {
            throw fail("it is the temporary folder of an interrupted 'sanitize poison' run (delete it)")
        }
        let manifestPath = directory + "/" + manifestName
        let text: String
        do {
            text = String(decoding: try Files.read(manifestPath, limit: manifestLimit), as: UTF8.self)
        } catch {
            throw fail("\(manifestName) cannot be read (\(error))")
        }
        var recorded: [String: (bytes: Int, crc: String)] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("file=") {
            let fields = Dictionary(line.split(separator: " ").compactMap { field -> (String, String)? in
                guard let equals = field.firstIndex(of: "=") else { return nil }
                return (String(field[..<equals]), String(field[field.index(after: equals)...]))
            }, uniquingKeysWith: { first, _ in first })
            guard let file = fields["file"], let bytes = fields["bytes"].flatMap({ Int($0) }), let crc = fields["crc32"] else {
                throw fail("\(manifestName) has a malformed line '\(line)'")
            }
            recorded[file] = (bytes, crc)
        }
        for file in dataFileNames {
            guard let expected = recorded[file] else {
                throw fail("\(manifestName) does not list \(file) (written by an older or interrupted 'sanitize poison')")
            }
            let bytes: [UInt8]
            do {
                bytes = try Files.read(directory + "/" + file, limit: Gzip.defaultLimit)
            } catch {
                throw fail("\(file) cannot be read (\(error))")
            }
            guard bytes.count == expected.bytes, hex(Gzip.crc32(bytes)) == expected.crc else {
                throw fail("\(file) has \(bytes.count) bytes and CRC-32 \(hex(Gzip.crc32(bytes))) but \(manifestName) records "
                           + "\(expected.bytes) bytes and \(expected.crc)")
            }
        }
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}

/// A folder that cannot be read or replaced as a poisoned set.
public enum PoisonedSetError: Swift.Error, CustomStringConvertible, Equatable {
    /// The folder is not a complete poisoned set (missing or changed files, a leftover temporary folder).
    case incomplete(path: String, reason: String)
    /// The folder exists and holds other things, so writing a poisoned set there would destroy them.
    case notReplaceable(path: String, reason: String)

    /// A one-line message naming the folder, the reason and what to do.
    public var description: String {
        switch self {
        case let .incomplete(path, reason):
            return "'\(path)' is not a complete poisoned set: \(reason); rerun 'sanitize poison' to write the set again"
        case let .notReplaceable(path, reason):
            return "cannot write the poisoned set to '\(path)': \(reason); choose another --output or remove it"
        }
    }
}
