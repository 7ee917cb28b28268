import CSV
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// CSV text through the CSV library (RFC 4180 quoting: fields holding a comma, a quote or a line
/// break are quoted, quotes doubled), and the package's one number format.
public enum CSVText {
    /// One record, without the line break.
    public static func line(_ fields: [String]) -> String {
        lines([fields]).dropLast().description
    }

    /// The records, each followed by `\n`.
    public static func lines(_ records: [[String]]) -> String {
        guard !records.isEmpty else { return "" }
        let stream = OutputStream.toMemory()
        // Writing to memory cannot fail; the library's initialiser only throws for a closed stream.
        let writer = try! CSVWriter(stream: stream)
        for record in records { try! writer.write(row: record) }
        stream.close()
        let data = stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// `%.6g`: up to 6 significant digits; `inf`, `-inf` and `nan` spelled as such.
    public static func number(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return String(format: "%.6g", x)
    }
}

/// A CSV file read record by record through the CSV library, in constant memory.
///
/// The file is opened as a checked regular file (``ReadableFile``), so a FIFO or device is
/// refused before anything blocks, and any path, non-UTF-8 included, works.
public final class CSVFileReader {
    /// The file's path.
    public let path: String
    /// The first record (empty for an empty file).
    public let header: [String]
    /// Whether the file ends with a line break; when it does not, the last record may be cut short.
    public let endsWithNewline: Bool
    /// The number of records returned by ``next()`` so far (the header is record 0).
    public private(set) var recordNumber = 0
    private let file: ReadableFile
    private let reader: CSVReader?

    /// Opens `path` and reads its header record. Throws ``FileError``.
    public init(path: String, limit: Int = Int.max) throws {
        self.path = path
        file = try ReadableFile(path: path)
        guard file.size <= limit else {
            throw FileError(path: path, reason: "file of \(file.size) bytes exceeds the limit of \(limit) bytes")
        }
        let last = file.size > 0 ? try file.read(count: 1, at: file.size - 1) : []
        endsWithNewline = last == [10]
        guard file.size > 0 else {
            header = []
            reader = nil
            return
        }
        let stream = FileInputStream(file)
        do {
            let reader = try CSVReader(stream: stream, hasHeaderRow: true)
            self.header = reader.headerRow ?? []
            self.reader = reader
        } catch {
            throw FileError(path: path, reason: "not a readable CSV file (\(error)); is it UTF-8 text?")
        }
    }

    /// The next record, or nil at the end. Throws ``FileError`` when the text is not valid CSV in UTF-8.
    public func next() throws -> [String]? {
        guard let reader else { return nil }
        let record = reader.next()
        if let error = reader.error {
            throw FileError(path: path, reason: "record \(recordNumber + 1) cannot be read (\(error)); is it UTF-8 CSV?")
        }
        if record != nil { recordNumber += 1 }
        return record
    }
}

/// The stream the CSV library reads a ``ReadableFile`` through. It knows the file's size, so it
/// reports the end exactly: the library asks `hasBytesAvailable` before every byte, and a stream
/// that only learns of the end from a read of 0 bytes makes it report an error there.
private final class FileInputStream: InputStream {
    private let file: ReadableFile
    private var offset = 0
    private var status: Stream.Status = .notOpen
    private var failure: Swift.Error?

    init(_ file: ReadableFile) {
        self.file = file
        super.init(data: Data())
    }

    override func open() { status = .open }
    override func close() { status = .closed }
    override var streamStatus: Stream.Status { status }
    override var streamError: Swift.Error? { failure }
    override var hasBytesAvailable: Bool { status == .open && offset < file.size }

    override func read(_ buffer: UnsafeMutablePointer<UInt8>, maxLength: Int) -> Int {
        while true {
            let n = pread(file.descriptor, buffer, min(maxLength, max(0, file.size - offset)), off_t(offset))
            if n < 0 && errno == EINTR { continue }
            if n < 0 {
                failure = FileError(path: file.path, reason: "cannot read: \(String(cString: strerror(errno)))")
                return -1
            }
            offset += n
            return n
        }
    }
}
