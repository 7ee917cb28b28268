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
/// Validation (per `shared/BAD-INPUTS.md`) happens in the initialiser, before any tensor is
/// converted: header longer than 100 MB or than the file, invalid JSON or UTF-8, unknown dtype,
/// malformed shape or offsets, `shape × dtype` size different from the offsets' span, offsets out
/// of bounds, overlapping or leaving gaps, and a data section whose length differs from the end of
/// the last tensor. Each error names the tensor.
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

    /// Largest accepted JSON header, as in the reference Rust implementation: 100 MB.
    public static let maximumHeaderBytes = 100_000_000

    /// Where the bytes came from, for messages.
    public let source: String
    /// The tensors in data order.
    public let entries: [Entry]
    /// The `__metadata__` strings (empty when absent).
    public let metadata: [String: String]
    private let bytes: Data
    private let dataStart: Int

    /// Reads and validates the file at `url` (memory-mapped when possible).
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw SafeTensorsError(source: url.path, tensor: nil, reason: "cannot read the file (\(error.localizedDescription))")
        }
        try self.init(data: data, source: url.path)
    }

    /// Validates `data` as a safetensors file; `source` names it in errors.
    public init(data: Data, source: String = "<memory>") throws {
        func fail(_ reason: String, _ tensor: String? = nil) -> SafeTensorsError {
            SafeTensorsError(source: source, tensor: tensor, reason: reason)
        }
        let data = Data(data)  // rebase to index 0
        guard data.count >= 8 else { throw fail("file of \(data.count) bytes is shorter than the 8-byte header length") }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(Self.maximumHeaderBytes) else {
            throw fail("header length \(headerLength) bytes exceeds the 100 MB limit")
        }
        guard 8 + Int(headerLength) <= data.count else {
            throw fail("header length \(headerLength) bytes exceeds the \(data.count - 8) bytes after the length field")
        }
        let headerBytes = data.subdata(in: 8..<(8 + Int(headerLength)))
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerBytes, options: [])
        } catch {
            throw fail("header is not valid JSON (\(error.localizedDescription))")
        }
        guard let header = json as? [String: Any] else { throw fail("header is not a JSON object") }

        var metadata: [String: String] = [:]
        if let raw = header["__metadata__"] {
            guard let object = raw as? [String: Any] else { throw fail("__metadata__ is not an object") }
            for (key, value) in object {
                guard let string = value as? String else { throw fail("__metadata__ value for '\(key)' is not a string") }
                metadata[key] = string
            }
        }

        let dataCount = data.count - 8 - Int(headerLength)
        var entries: [Entry] = []
        for (name, raw) in header where name != "__metadata__" {
            guard let info = raw as? [String: Any] else { throw fail("entry is not an object", name) }
            guard let dtypeName = info["dtype"] as? String else { throw fail("missing or non-string dtype", name) }
            guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
                throw fail("unsupported dtype \(dtypeName) (supported: \(SafeTensorsDType.allCases.map(\.rawValue).joined(separator: ", ")))", name)
            }
            guard let shapeValues = info["shape"] as? [Any],
                  let shape = Self.integers(shapeValues), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("shape is not an array of non-negative integers", name)
            }
            guard let offsetValues = info["data_offsets"] as? [Any], let offsets = Self.integers(offsetValues),
                  offsets.count == 2 else {
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
        self.source = source
        self.entries = entries
        self.metadata = metadata
        self.bytes = data
        self.dataStart = 8 + Int(headerLength)
    }

    /// Exact integers from JSON numbers, or `nil` if any is not an integer.
    private static func integers(_ values: [Any]) -> [Int]? {
        var result: [Int] = []
        for value in values {
            guard type(of: value) != Bool.self, let number = value as? NSNumber else { return nil }
            let double = number.doubleValue
            guard double.rounded() == double, abs(double) < 0x1p62 else { return nil }
            result.append(number.intValue)
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
            try data.write(to: url, options: .atomic)
        } catch {
            throw SafeTensorsError(source: url.path, tensor: nil, reason: "cannot write the file (\(error.localizedDescription))")
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
