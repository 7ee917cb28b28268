import _Support
import Foundation

// MARK: - Element types

/// The element types of the safetensors format that this reader understands. Every one converts
/// to Float32 on reading (integers exactly up to 2²⁴, F64 rounded, BOOL as 0/1); the writer emits F32.
public enum SafeTensorsDType: String, CaseIterable, Sendable {
    case F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .F64, .I64: return 8
        case .F32, .I32: return 4
        case .F16, .BF16, .I16: return 2
        case .I8, .U8, .BOOL: return 1
        }
    }
}

// MARK: - Errors

/// A safetensors file that cannot be read or written. The description names the file, the tensor
/// when one is at fault, and the reason.
public struct SafeTensorsError: Swift.Error, CustomStringConvertible, Equatable {
    /// The file path (or `<memory>`).
    public let source: String
    /// The tensor at fault, if any.
    public let tensor: String?
    /// What is wrong, with the offending values.
    public let reason: String

    /// `safetensors file.safetensors: tensor 'conv.weight': reason`.
    public var description: String {
        "safetensors \(source): " + (tensor.map { "tensor '\($0)': " } ?? "") + reason
    }
}

// MARK: - Reading

/// A parsed and fully validated safetensors file: an 8-byte little-endian header length, a JSON
/// header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}`,
/// then the raw little-endian data, with offsets relative to the end of the header.
///
/// Validation (per `docs/bad-inputs.md`) happens before any tensor data is read: a file that is
/// not a regular file (a FIFO, socket, device or directory), a header longer than 100 MB or than
/// the file, invalid JSON or UTF-8, a name given twice, an unknown dtype, a malformed shape or
/// offsets, a `shape × dtype` size different from the offsets' span, offsets out of bounds,
/// overlapping or leaving gaps, and a data section whose length differs from the end of the last
/// tensor. Each error names the tensor.
public struct SafeTensorsFile: Sendable {
    /// One tensor's header entry.
    public struct Entry: Sendable, Equatable {
        /// The tensor's name (a dotted state-dict key).
        public let name: String
        /// The stored element type.
        public let dtype: SafeTensorsDType
        /// The shape (`[]` for a scalar).
        public let shape: [Int]
        /// Byte range within the data section.
        public let byteRange: Range<Int>
    }

    /// The validated header of a file whose data has not been read yet, handed to the `check`
    /// of `init(contentsOf:check:)` so a caller can refuse names, dtypes or shapes it does not
    /// expect before the data costs any memory.
    public struct Header: Sendable {
        /// Where the bytes come from, for messages.
        public let source: String
        /// The tensors in data order.
        public let entries: [Entry]
        /// The `__metadata__` strings (empty when absent).
        public let metadata: [String: String]
        /// Bytes of the JSON header (without the 8-byte length field).
        public let headerByteCount: Int
        /// Bytes of the data section, the end of the last tensor.
        public let dataByteCount: Int

        /// The header entry called `name`, or `nil`.
        public func entry(named name: String) -> Entry? {
            entries.first { $0.name == name }
        }
    }

    /// Largest accepted JSON header, as in the reference Rust implementation: 100 MB.
    public static let maximumHeaderBytes = 100_000_000

    /// Where the bytes came from, for messages.
    public let source: String
    /// The tensors in data order.
    public let entries: [Entry]
    /// The `__metadata__` strings (empty when absent).
    public let metadata: [String: String]
    /// The whole file as read: length field, header and data (for checksums).
    public let bytes: Data
    private let dataStart: Int

    /// Reads and validates the file at `url`.
    ///
    /// The order bounds the memory a hostile file can cost: the file type is checked before
    /// opening for data (so a FIFO never blocks), then the 8-byte length, then the header (at most
    /// 100 MB and never more than the file), then every entry and the file length against the
    /// header, then `check`, and only then is the data read.
    ///
    /// - Parameters:
    ///   - maximumHeaderBytes: the largest accepted JSON header; a caller that knows its files
    ///     (a model's weights) passes a tighter cap than the format's 100 MB, since parsing costs
    ///     memory in proportion to the header.
    ///   - check: called with the validated header before the data is read; a throw stops
    ///     loading and is passed on unchanged.
    /// - Throws: `SafeTensorsError` naming the file (and the tensor at fault), or what `check` throws.
    public init(contentsOf url: URL, maximumHeaderBytes: Int = SafeTensorsFile.maximumHeaderBytes,
                check: (Header) throws -> Void = { _ in }) throws {
        let source = url.path
        func fail(_ reason: String) -> SafeTensorsError { SafeTensorsError(source: source, tensor: nil, reason: reason) }
        let file: ReadableFile
        do {
            file = try ReadableFile(path: source)
        } catch let error as FileError {
            throw fail(error.reason)
        }
        guard file.size >= 8 else { throw fail("file of \(file.size) bytes is shorter than the 8-byte header length") }
        let lengthField = try file.read(count: 8, at: 0)
        let headerLength = try Self.checkedHeaderLength(lengthField, available: file.size - 8, limit: maximumHeaderBytes,
                                                        source: source)
        func read(_ count: Int, at offset: Int) throws -> [UInt8] {
            do { return try file.read(count: count, at: offset) } catch let error as FileError { throw fail(error.reason) }
        }
        let headerBytes = try read(headerLength, at: 8)
        let header = try Self.parseHeader(headerBytes, dataCount: file.size - 8 - headerLength, source: source)
        try check(header)
        let data = try read(file.size, at: 0)
        self.init(source: source, header: header, bytes: Data(data))
    }

    /// Validates `data` as a safetensors file; `source` names it in errors.
    public init(data: Data, source: String = "<memory>") throws {
        let data = Data(data)  // rebase to index 0
        guard data.count >= 8 else {
            throw SafeTensorsError(source: source, tensor: nil,
                                   reason: "file of \(data.count) bytes is shorter than the 8-byte header length")
        }
        let headerLength = try Self.checkedHeaderLength([UInt8](data[0 ..< 8]), available: data.count - 8,
                                                        limit: Self.maximumHeaderBytes, source: source)
        let header = try Self.parseHeader([UInt8](data[8 ..< 8 + headerLength]),
                                          dataCount: data.count - 8 - headerLength, source: source)
        self.init(source: source, header: header, bytes: data)
    }

    private init(source: String, header: Header, bytes: Data) {
        self.source = source
        self.entries = header.entries
        self.metadata = header.metadata
        self.bytes = bytes
        self.dataStart = 8 + header.headerByteCount
    }

    /// The header length from the 8-byte little-endian field, checked against `limit` and the
    /// `available` bytes after the field.
    private static func checkedHeaderLength(_ field: [UInt8], available: Int, limit: Int, source: String) throws -> Int {
        let headerLength = field.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(max(0, limit)) else {
            let cap = limit == maximumHeaderBytes ? "100 MB" : "\(limit)-byte"
            throw SafeTensorsError(source: source, tensor: nil, reason: "header length \(headerLength) bytes exceeds the \(cap) limit")
        }
        guard Int(headerLength) <= available else {
            throw SafeTensorsError(source: source, tensor: nil,
                                   reason: "header length \(headerLength) bytes exceeds the \(available) bytes after the length field")
        }
        return Int(headerLength)
    }

    /// Parses and validates the JSON header of a file whose data section holds `dataCount` bytes.
    private static func parseHeader(_ headerBytes: [UInt8], dataCount: Int, source: String) throws -> Header {
        func fail(_ reason: String, _ tensor: String? = nil) -> SafeTensorsError {
            SafeTensorsError(source: source, tensor: tensor, reason: reason)
        }
        let json: HeaderJSON
        do {
            json = try HeaderJSONParser.parse(headerBytes)
        } catch let failure as HeaderJSONParser.Failure {
            if let key = failure.duplicateKey {
                throw fail("the name appears twice in the header; each tensor must be stored once", key)
            }
            throw fail("header is not valid JSON (\(failure.reason))")
        }
        guard case let .object(members) = json else { throw fail("header is not a JSON object") }

        var metadata: [String: String] = [:]
        if let raw = members.first(where: { $0.key == "__metadata__" })?.value {
            guard case let .object(pairs) = raw else { throw fail("__metadata__ is not an object") }
            for (key, value) in pairs {
                guard case let .string(string) = value else { throw fail("__metadata__ value for '\(key)' is not a string") }
                metadata[key] = string
            }
        }

        var entries: [Entry] = []
        for (name, raw) in members where name != "__metadata__" {
            guard case let .object(fields) = raw else { throw fail("entry is not an object", name) }
            func field(_ key: String) -> HeaderJSON? { fields.first { $0.key == key }?.value }
            guard case let .string(dtypeName) = field("dtype") else { throw fail("missing or non-string dtype", name) }
            guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
                throw fail("unsupported dtype \(dtypeName) (supported: \(SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")))", name)
            }
            guard let shape = integers(field("shape")), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("shape is not an array of non-negative integers", name)
            }
            guard let offsets = integers(field("data_offsets")), offsets.count == 2 else {
                throw fail("data_offsets is not a pair of integers", name)
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0 && begin <= end else { throw fail("data_offsets [\(begin), \(end)] are not increasing", name) }
            guard end <= dataCount else {
                throw fail("data_offsets [\(begin), \(end)] lie outside the \(dataCount)-byte data section", name)
            }
            var expected = dtype.byteSize
            for extent in shape {
                let (product, overflow) = expected.multipliedReportingOverflow(by: extent)
                guard !overflow else { throw fail("shape \(shape) overflows", name) }
                expected = product
            }
            guard expected == end - begin else {
                throw fail("dtype \(dtype.rawValue) × shape \(shape) needs \(expected) bytes but data_offsets [\(begin), \(end)] span \(end - begin)", name)
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, byteRange: begin..<end))
        }
        entries.sort { ($0.byteRange.lowerBound, $0.byteRange.upperBound, $0.name) < ($1.byteRange.lowerBound, $1.byteRange.upperBound, $1.name) }
        var position = 0
        var previous: String?
        for entry in entries {
            if entry.byteRange.lowerBound < position {
                throw fail("data_offsets [\(entry.byteRange.lowerBound), \(entry.byteRange.upperBound)] overlap tensor '\(previous ?? "")' ending at \(position)", entry.name)
            }
            if entry.byteRange.lowerBound > position {
                throw fail("data starts at byte \(entry.byteRange.lowerBound) but the previous tensor ends at \(position) (gap)", entry.name)
            }
            position = entry.byteRange.upperBound
            previous = entry.name
        }
        guard position == dataCount else {
            throw fail("file length mismatch: the data section has \(dataCount) bytes but the tensors end at byte \(position)")
        }
        return Header(source: source, entries: entries, metadata: metadata, headerByteCount: headerBytes.count,
                      dataByteCount: dataCount)
    }

    /// The exact integers of a JSON array, or `nil` if it is not an array of integers.
    private static func integers(_ value: HeaderJSON?) -> [Int]? {
        guard case let .array(elements) = value else { return nil }
        var result: [Int] = []
        for element in elements {
            guard case let .integer(integer) = element else { return nil }
            result.append(integer)
        }
        return result
    }

    // MARK: - Access

    /// Tensor names in data order.
    public var names: [String] { entries.map(\.name) }

    /// The header entry called `name`, or `nil`.
    public func entry(named name: String) -> Entry? {
        entries.first { $0.name == name }
    }

    /// The tensor called `name`, converted to Float32.
    ///
    /// - Throws: `SafeTensorsError` when there is no such tensor.
    public func tensor(named name: String) throws -> Tensor {
        guard let entry = entry(named: name) else {
            throw SafeTensorsError(source: source, tensor: name, reason: "no such tensor in the file")
        }
        return convert(entry)
    }

    /// Every tensor, converted to Float32, by name.
    public func tensors() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: entries.map { ($0.name, convert($0)) })
    }

    private func convert(_ entry: Entry) -> Tensor {
        let count = entry.shape.reduce(1, *)
        let start = dataStart + entry.byteRange.lowerBound
        let scalars = bytes.withUnsafeBytes { raw -> [Float] in
            let base = UnsafeRawBufferPointer(rebasing: raw[start..<(start + entry.byteRange.count)])
            return [Float](unsafeUninitializedCapacity: count) { out, initialized in
                for i in 0..<count { out[i] = Self.element(base, i, entry.dtype) }
                initialized = count
            }
        }
        return Tensor(shape: entry.shape, scalars: scalars)
    }

    @inline(__always)
    private static func element(_ raw: UnsafeRawBufferPointer, _ i: Int, _ dtype: SafeTensorsDType) -> Float {
        switch dtype {
        case .F32: return Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
        case .F64: return Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
        case .F16: return halfToFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
        case .BF16: return Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16)
        case .I64: return Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self)))
        case .I32: return Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
        case .I16: return Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)))
        case .I8: return Float(raw.load(fromByteOffset: i, as: Int8.self))
        case .U8: return Float(raw[i])
        case .BOOL: return raw[i] == 0 ? 0 : 1
        }
    }

    /// IEEE binary16 → binary32, exact (subnormals, infinities and NaN included).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            // Subnormal (or zero): mantissa · 2⁻²⁴.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | (UInt32(exponent - 15 + 127) << 23) | (mantissa << 13))
    }
}

// MARK: - Writing

/// Reading and writing whole safetensors files of Float32 tensors.
public enum SafeTensors {
    /// Reads and validates `url` and converts every tensor to Float32.
    public static func read(contentsOf url: URL) throws -> [String: Tensor] {
        try SafeTensorsFile(contentsOf: url).tensors()
    }

    /// The bytes of a safetensors file holding `tensors` as F32, in the given order, with
    /// `metadata` under `__metadata__`. The header is padded with spaces to a multiple of 8 bytes
    /// so the data is aligned (as the reference writer does).
    ///
    /// - Throws: `SafeTensorsError` for an empty or duplicate name, or the reserved `__metadata__`.
    public static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) throws -> Data {
        var seen = Set<String>()
        for (name, _) in tensors {
            guard !name.isEmpty, name != "__metadata__" else {
                throw SafeTensorsError(source: "<memory>", tensor: name, reason: "reserved or empty tensor name")
            }
            guard seen.insert(name).inserted else {
                throw SafeTensorsError(source: "<memory>", tensor: name, reason: "name used twice")
            }
        }
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for (name, tensor) in tensors {
            let end = offset + 4 * tensor.count
            fields.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array("{\(fields.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var data = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for (_, tensor) in tensors {
            tensor.withUnsafeBufferPointer { buffer in
                let littleEndian = buffer.map { $0.bitPattern.littleEndian }
                littleEndian.withUnsafeBytes { data.append(contentsOf: $0) }
            }
        }
        return data
    }

    /// Writes `tensors` to `url` atomically (a temporary file renamed into place), so a failure
    /// never leaves a partial file.
    ///
    /// - Throws: `SafeTensorsError` naming the path when encoding or writing fails.
    public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:], to url: URL) throws {
        let data: Data
        do {
            data = try encode(tensors, metadata: metadata)
        } catch let error as SafeTensorsError {
            throw SafeTensorsError(source: url.path, tensor: error.tensor, reason: error.reason)
        }
        do {
            try AtomicFile.write([UInt8](data), to: url.path)
        } catch let error as FileError {
            throw SafeTensorsError(source: url.path, tensor: nil, reason: error.reason)
        }
    }

    /// A JSON string literal with the required escapes.
    private static func jsonString(_ string: String) -> String {
        var result = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 {
                    result += String(format: "\\u%04x", scalar.value)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}
