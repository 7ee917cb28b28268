import _Support
import CZlib

/// gzip (RFC 1952) inflate and deflate through the system zlib.
///
/// Inflation is strict: the two-byte magic is checked first, a stream that ends before its
/// trailer is an error (zlib alone would just stop), the CRC-32 and length trailer are checked
/// by zlib, and the output is capped so that a gzip bomb fails instead of exhausting memory.
/// Concatenated members (allowed by RFC 1952) are inflated one after the other.
public enum Gzip {
    /// The default inflated-size cap: 256 MiB, five times the largest Fashion-MNIST file
    /// (47,040,016 bytes), small enough to fail fast on a bomb.
    public static let defaultLimit = 256 << 20

    // MARK: - Inflate

    /// Inflates a gzip stream.
    ///
    /// - Parameters:
    ///   - bytes: the compressed file content.
    ///   - path: the file name used in error messages.
    ///   - limit: the largest accepted inflated size, in bytes.
    /// - Throws: `DatasetError.badGzip` (not gzip, truncated, bad CRC or length, corrupt data),
    ///   `DatasetError.tooLarge` when the output would exceed `limit`.
    public static func inflate(_ bytes: [UInt8], path: String, limit: Int = defaultLimit) throws -> [UInt8] {
        guard bytes.count >= 18 else {
            throw DatasetError.badGzip(path: path, reason: "only \(bytes.count) bytes; a gzip file has at least 18")
        }
        guard bytes[0] == 0x1f, bytes[1] == 0x8b else {
            throw DatasetError.badGzip(path: path, reason: "missing the 1F 8B magic bytes")
        }
        var stream = z_stream()
        // 16 + MAX_WBITS selects the gzip wrapper (header + CRC-32 + ISIZE trailer).
        guard inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DatasetError.badGzip(path: path, reason: "zlib could not be initialised")
        }
        defer { inflateEnd(&stream) }

        var output = [UInt8]()
        output.reserveCapacity(min(limit, max(bytes.count * 4, 1 << 16)))
        let chunkSize = 1 << 18
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var input = bytes
        try input.withUnsafeMutableBufferPointer { inBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = UInt32(inBuffer.count)
            while true {
                let status: Int32 = chunk.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = UInt32(chunkSize)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunkSize - Int(stream.avail_out)
                guard output.count + produced <= limit else { throw DatasetError.tooLarge(path: path, limit: limit) }
                output.append(contentsOf: chunk[0 ..< produced])
                switch status {
                case Z_STREAM_END:
                    if stream.avail_in == 0 { return }
                    // Another member follows; RFC 1952 treats the concatenation as one file.
                    guard inflateReset(&stream) == Z_OK else {
                        throw DatasetError.badGzip(path: path, reason: "zlib could not reset between members")
                    }
                case Z_OK:
                    continue
                case Z_BUF_ERROR where stream.avail_in == 0:
                    throw DatasetError.badGzip(path: path, reason: "truncated: the stream ends before its trailer")
                case Z_BUF_ERROR:
                    continue
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                    throw DatasetError.badGzip(path: path, reason: message)
                }
            }
        }
        return output
    }

    /// Reads and inflates a gzip file, refusing compressed files over `limit` bytes too.
    public static func inflateFile(_ path: String, limit: Int = defaultLimit) throws -> [UInt8] {
        try inflate(Files.read(path, limit: limit), path: path, limit: limit)
    }

    // MARK: - Deflate

    /// Compresses `bytes` into a single-member gzip stream.
    ///
    /// - Parameter level: zlib level 0–9; 6 is zlib's default balance of speed and size.
    public static func deflate(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        let initStatus = deflateInit2_(&stream, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                                       zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(initStatus == Z_OK, "zlib deflateInit2 failed with status \(initStatus)")
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(bytes.count)))
        var output = [UInt8](repeating: 0, count: bound)
        var input = bytes
        let produced: Int = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = UInt32(outBuffer.count)
                let status = CZlib.deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "zlib deflate did not finish within deflateBound (status \(status))")
                return outBuffer.count - Int(stream.avail_out)
            }
        }
        output.removeLast(bound - produced)
        return output
    }

    // MARK: - Checksums

    /// The CRC-32 (as in gzip and PNG) of `bytes`.
    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            UInt32(CZlib.crc32(0, buffer.baseAddress, UInt32(buffer.count)))
        }
    }
}
