/// A container format recognised from its first bytes (magic numbers), never from the file name.
public enum ImageFormat: String, CaseIterable, Sendable {
    /// PNG: `89 50 4E 47 0D 0A 1A 0A`.
    case png
    /// JPEG (JFIF, Exif or bare): `FF D8 FF`.
    case jpeg
    /// WebP: `RIFF <size> WEBP`.
    case webp
    /// A raw JPEG 2000 codestream (J2K/J2C): `FF 4F FF 51` (SOC followed by SIZ).
    case j2k
    /// A JP2 file: the 12-byte signature box `00 00 00 0C 6A 50 20 20 0D 0A 87 0A`.
    case jp2

    /// The codec that decodes this format.
    public var codec: Codec {
        switch self {
        case .png: return .png
        case .jpeg: return .jpeg
        case .webp: return .webp
        case .j2k, .jp2: return .jpeg2000
        }
    }

    /// Detects the format from the magic bytes at the start of `bytes`.
    ///
    /// Returns nil when no supported signature matches, including for empty or too-short input.
    /// Only the signature is checked; a matching but corrupt file fails later, in its decoder.
    public static func sniff(_ bytes: [UInt8]) -> ImageFormat? {
        func starts(with prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && Array(bytes[offset ..< offset + prefix.count]) == prefix
        }
        if starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts(with: Array("RIFF".utf8)) && starts(with: Array("WEBP".utf8), at: 8) { return .webp }
        if starts(with: [0xFF, 0x4F, 0xFF, 0x51]) { return .j2k }
        if starts(with: [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A]) { return .jp2 }
        return nil
    }
}
