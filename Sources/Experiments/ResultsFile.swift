import _Support
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Failures of the results file: each names the path and says what to do.
public struct ResultsFileError: Swift.Error, CustomStringConvertible {
    /// What went wrong and how to fix it.
    public let description: String
}

/// The results CSV of a sweep, appended row by row so that an interrupted sweep loses nothing.
///
/// - The file is locked (``OutputLock``) for the life of the value: a second run on the same
///   output is refused.
/// - A new sweep records its settings in `<output>.settings`, then writes the header, each
///   atomically, so the pair is complete or absent.
/// - Every append is one `write(2)` of whole lines, checked for a short write (disk full), so a
///   row is counted only once it is in the file. A `kill -9` can cut at most the last line.
/// - A later run with other settings is refused; one with the same settings must say `--resume`.
///   Resume reads every row through the CSV library and keeps it only if it parses, belongs to the
///   plan and repeats no key; otherwise it refuses, naming the row. Only a last row cut short (no
///   final line break) is dropped, by rewriting the file atomically without it.
public final class ResultsFile {
    /// The CSV's path.
    public let path: String
    /// The keys of the rows already in the file (empty for a new file).
    public private(set) var completed: Set<SweepKey> = []
    /// Set when resuming dropped a half-written last row: what was dropped.
    public private(set) var repaired: String?
    private var descriptor: Int32 = -1
    private let lock: OutputLock

    /// The sidecar that records the settings of the sweep that owns `path`.
    public static func settingsPath(for path: String) -> String { path + ".settings" }

    /// The header line of results format 2.
    static var headerLine: String { CSVText.line(ResultRow.columns) }

    /// Opens `path` for the rows of a sweep whose recorded settings are `settings`.
    ///
    /// - Parameter validate: returns why a row of an existing file does not belong to this sweep, or nil.
    /// - Throws: ``ResultsFileError`` or ``FileError`` before any row is written, naming the
    ///   file, the row and what to do.
    public init(path: String, settings: String, resume: Bool, validate: (SweepKey) -> String? = { _ in nil }) throws {
        self.path = path
        try OutputFiles.checkWritable(path, option: "--output")
        lock = try OutputLock(for: path)
        let settingsFile = Self.settingsPath(for: path)
        if Files.exists(path) {
            guard let recorded = try? Files.read(settingsFile, limit: 1 << 26) else {
                throw ResultsFileError(description: """
                    \(PlatformPath.display(path)) exists but was not written by a sweep (no readable \
                    \(PlatformPath.display(settingsFile))); choose another --output or remove it
                    """)
            }
            if String(decoding: recorded, as: UTF8.self).hasPrefix("sanitize evaluate, results format 1") {
                try Self.checkHeader(ResultRow.formatOneColumns, path: path)
            }
            guard String(decoding: recorded, as: UTF8.self) == settings else {
                throw ResultsFileError(description: """
                    \(PlatformPath.display(path)) holds a sweep with other settings; refusing to mix them. \
                    Recorded:\n\(String(decoding: recorded, as: UTF8.self))\nRequested:\n\(settings)\nChoose another --output.
                    """)
            }
            guard resume else {
                throw ResultsFileError(description: """
                    \(PlatformPath.display(path)) already holds rows of this sweep; pass --resume to continue it, \
                    or choose another --output
                    """)
            }
            try readForResume(validate: validate)
        } else {
            try AtomicFile.write(settings, to: settingsFile)
            try AtomicFile.write(Self.headerLine + "\n", to: path)
        }
        let fd = PlatformPath.withCString(path) { open($0, O_WRONLY | O_APPEND | O_CLOEXEC) }
        guard fd >= 0 else {
            throw ResultsFileError(description: "\(PlatformPath.display(path)): cannot open for writing (\(String(cString: strerror(errno))))")
        }
        descriptor = fd
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Appends whole rows with one write. (`completed` keeps only what a resume found, so memory
    /// does not grow with the sweep.)
    public func append(_ rows: [ResultRow]) throws {
        guard !rows.isEmpty else { return }
        do {
            try AtomicFile.writeAll(Array(CSVText.lines(rows.map(\.fields)).utf8), to: descriptor, path: path)
        } catch let error as FileError {
            throw ResultsFileError(description: "\(error); the rows before this one are complete, and --resume continues")
        }
    }

    // MARK: - Resume

    /// Reads and checks every row; drops a last row cut short by rewriting the file without it.
    private func readForResume(validate: (SweepKey) -> String?) throws {
        let reader = try CSVFileReader(path: path)
        let partialHeader = reader.header != ResultRow.columns && !reader.endsWithNewline
            && Self.headerLine.hasPrefix(reader.header.joined(separator: ","))
        if reader.header.isEmpty || partialHeader {
            repaired = reader.header.isEmpty ? "an empty file (its header was never written)" : "a header cut short"
            try AtomicFile.write(Self.headerLine + "\n", to: path)
            return
        }
        try Self.checkHeader(reader.header, path: path)
        var firstRecord: [SweepKey: Int] = [:]
        var pending: (number: Int, fields: [String])?
        var last: (number: Int, key: SweepKey)?
        while let record = try reader.next() {
            if let bad = pending {
                throw ResultsFileError(description: """
                    \(PlatformPath.display(path)): row \(bad.number) is not a complete results row \
                    (\(bad.fields.count) fields); the file was edited or is damaged. \
                    Remove that row by hand, or choose another --output
                    """)
            }
            guard let row = ResultRow(fields: record) else {
                pending = (reader.recordNumber, record)
                continue
            }
            let key = row.key
            if let reason = validate(key) {
                throw ResultsFileError(description: """
                    \(PlatformPath.display(path)): row \(reader.recordNumber) (\(key.description)) \(reason); \
                    resume keeps only rows of this sweep. Choose another --output, or rerun with the inputs that made it
                    """)
            }
            if let earlier = firstRecord[key] {
                throw ResultsFileError(description: """
                    \(PlatformPath.display(path)): row \(reader.recordNumber) repeats row \(earlier) \
                    (\(key.description)); two runs may have written the file. Remove the duplicate, or choose another --output
                    """)
            }
            firstRecord[key] = reader.recordNumber
            last = (reader.recordNumber, key)
        }
        // Rows end with a line break, so a last row without one was cut short, even if it parses.
        if pending == nil, !reader.endsWithNewline, let last {
            firstRecord[last.key] = nil
            pending = (last.number, [])
        }
        completed = Set(firstRecord.keys)
        if let dropped = pending {
            repaired = "row \(dropped.number), cut short when the last run stopped"
            try rewrite(keeping: dropped.number - 1)
        }
    }

    /// Refuses a header that is not results format 2, with a way forward for format 1.
    static func checkHeader(_ header: [String], path: String) throws {
        guard header != ResultRow.formatOneColumns else {
            throw ResultsFileError(description: """
                \(PlatformPath.display(path)) is in results format 1 (no image_sha256, model or attack columns). \
                Convert it with `python3 Scripts/results_v1_to_v2.py \(PlatformPath.display(path)) NEW.csv INPUT...` \
                (INPUT: the files and folders of the old sweep) and resume NEW.csv, \
                or start a new --output
                """)
        }
        guard header == ResultRow.columns else {
            throw ResultsFileError(description: """
                \(PlatformPath.display(path)) is not a results file: its header is '\(header.joined(separator: ","))', \
                expected '\(ResultRow.columns.joined(separator: ","))'
                """)
        }
    }

    /// Rewrites the file atomically with its header and first `count` rows.
    private func rewrite(keeping count: Int) throws {
        let reader = try CSVFileReader(path: path)
        try AtomicFile.write(to: path) { append in
            try append(Array((Self.headerLine + "\n").utf8))
            var batch: [[String]] = []
            while reader.recordNumber < count, let record = try reader.next() {
                batch.append(record)
                if batch.count == 1024 {
                    try append(Array(CSVText.lines(batch).utf8))
                    batch.removeAll(keepingCapacity: true)
                }
            }
            try append(Array(CSVText.lines(batch).utf8))
        }
    }
}

extension ResultRow {
    /// Streams the rows of a results CSV through `body`, in constant memory. Throws naming the
    /// row that is not a results row, or the header when the file is not results format 2.
    public static func forEach(path: String, _ body: (ResultRow) throws -> Void) throws {
        let reader = try CSVFileReader(path: path)
        try ResultsFile.checkHeader(reader.header, path: path)
        while let record = try reader.next() {
            guard let row = ResultRow(fields: record) else {
                throw ResultsFileError(description: "\(PlatformPath.display(path)): row \(reader.recordNumber) is not a results row")
            }
            try body(row)
        }
    }

    /// All rows of a results CSV, for tests and comparisons of small files.
    public static func readAll(path: String) throws -> [ResultRow] {
        var rows: [ResultRow] = []
        try forEach(path: path) { rows.append($0) }
        return rows
    }
}

// MARK: - The outputs of a sweep

extension ResultsFile {
    /// `results.csv` → `results-summary.csv`.
    public static func defaultSummaryPath(for output: String) -> String {
        let name = PlatformPath.lastComponent(output)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return output + "-summary.csv" }
        let stem = output.dropLast(name.distance(from: dot, to: name.endIndex))
        return stem + "-summary" + name[dot...]
    }

    /// Refuses, before any work, outputs that would destroy other files: a results path or summary
    /// that is empty, in a missing or read-only folder, the same file as each other, as the
    /// settings or lock sidecar, or as an input; and a summary path that already holds something
    /// other than a summary (another sweep's results, a settings file, an image).
    public static func checkOutputs(results: String, summary: String, inputs: [OutputFiles.Role]) throws {
        try OutputFiles.checkWritable(results, option: "--output")
        try OutputFiles.checkWritable(summary, option: "--summary")
        try OutputFiles.checkDistinct(
            outputs: [.init("--output", results), .init("--summary", summary),
                      .init("the settings file", settingsPath(for: results)), .init("the lock file", results + ".lock"),
                      .init("the provenance file", Provenance.path(for: results))],
            inputs: inputs)
        if Files.exists(summary) {
            let header = (try? CSVFileReader(path: summary, limit: 1 << 30))?.header
            guard header == SummaryRow.columns else {
                throw ResultsFileError(description: """
                    \(PlatformPath.display(summary)) exists and is not a summary CSV\
                    \(header == ResultRow.columns ? " (it holds the results of a sweep)" : ""); \
                    --summary would overwrite it. Choose another path for --summary
                    """)
            }
        }
    }
}
