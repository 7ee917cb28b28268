/// The IDX format of MNIST and Fashion-MNIST (LeCun et al.), unsigned-byte variant only.
///
/// Layout: two zero bytes, a type byte (0x08 = unsigned byte), a dimension count d, then d
/// big-endian 32-bit sizes, then the row-major payload of exactly the product of the sizes.
/// Images are `idx3` (count, rows, cols) and labels `idx1` (count).
public enum IDX {
    /// Image dimensions refused above this size per side; 4096 is far above any IDX dataset and
    /// keeps `count × rows × cols` inside the inflated-size cap's range.
    public static let maxSide = 4096

    // MARK: - Parsing

    /// Parses an unsigned-byte IDX file with `dimensions` dimensions.
    ///
    /// - Returns: the sizes and the payload (a slice of `bytes` past the header).
    /// - Throws: `DatasetError.badIDX` naming `path` when the magic, the dimension count or the
    ///   payload size is wrong.
    public static func parse(_ bytes: [UInt8], dimensions: Int, path: String) throws -> (sizes: [Int], payload: ArraySlice<UInt8>) {
        guard bytes.count >= 4 else {
            throw DatasetError.badIDX(path: path, reason: "only \(bytes.count) bytes, shorter than the 4-byte magic")
        }
        let magic = bytes[0 ..< 4].map { String($0, radix: 16) }.joined(separator: " ")
        guard bytes[0] == 0, bytes[1] == 0, bytes[2] == 0x08 else {
            throw DatasetError.badIDX(path: path, reason: "magic bytes \(magic) are not 00 00 08 (unsigned-byte IDX)")
        }
        guard Int(bytes[3]) == dimensions else {
            throw DatasetError.badIDX(path: path, reason: "\(bytes[3]) dimensions, expected \(dimensions)")
        }
        let headerSize = 4 + 4 * dimensions
        guard bytes.count >= headerSize else {
            throw DatasetError.badIDX(path: path, reason: "only \(bytes.count) bytes, shorter than the \(headerSize)-byte header")
        }
        var sizes = [Int]()
        var product = 1
        for d in 0 ..< dimensions {
            let o = 4 + 4 * d
            let size = Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
            if d > 0, size == 0 || size > maxSide {
                throw DatasetError.badIDX(path: path, reason: "dimension \(d) is \(size), outside 1…\(maxSide)")
            }
            sizes.append(size)
            let (p, overflow) = product.multipliedReportingOverflow(by: size)
            guard !overflow else { throw DatasetError.badIDX(path: path, reason: "sizes \(sizes) overflow") }
            product = p
        }
        let payloadSize = bytes.count - headerSize
        guard payloadSize == product else {
            throw DatasetError.badIDX(
                path: path,
                reason: "sizes \(sizes.map(String.init).joined(separator: "×")) need \(product) payload bytes, found \(payloadSize)")
        }
        return (sizes, bytes[headerSize...])
    }

    // MARK: - Writing

    /// Encodes an unsigned-byte IDX file with the given sizes; `payload.count` must be their product.
    public static func encode(sizes: [Int], payload: [UInt8]) -> [UInt8] {
        precondition(sizes.reduce(1, *) == payload.count, "IDX payload of \(payload.count) bytes does not match sizes \(sizes)")
        var bytes: [UInt8] = [0, 0, 0x08, UInt8(sizes.count)]
        for size in sizes {
            bytes += [UInt8(truncatingIfNeeded: size >> 24), UInt8(truncatingIfNeeded: size >> 16),
                      UInt8(truncatingIfNeeded: size >> 8), UInt8(truncatingIfNeeded: size)]
        }
        bytes += payload
        return bytes
    }
}
