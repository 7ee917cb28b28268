import _Support
/// Reading images of any supported format as 8-bit RGB, and writing PNG.
///
/// Formats are detected from their magic bytes (``ImageFormat/sniff(_:)``), never the extension.
/// Every decoder converts to 8-bit RGB as docs/protocol.md §1 says: gray is replicated, palette and tRNS
/// are expanded, alpha is dropped, 16-bit samples are scaled. Sizes above
/// ``PixelLimit/maxPixels`` are refused before allocation.
public enum ImageFile {
    /// The largest image file read into memory: 1 GiB, far above any image under the pixel caps.
    public static let maxFileBytes = 1 << 30

    /// Reads and decodes the image at `path`, refusing declared sizes over ``PixelLimit/maxPixels``
    /// (``PixelLimit/maxJPEG2000Pixels`` for JPEG 2000) before any pixel is allocated.
    ///
    /// Throws ``ImageFileError`` naming `path` and the reason: unreadable, empty, unknown format,
    /// or the decoder's own error (truncation, corrupt data, size over the cap).
    public static func read(_ path: String) throws -> RGBImage {
        try readIdentified(path).image
    }

    /// ``read(_:)`` with a caller's pixel cap (a fuzzer or a service may pass a smaller one; JPEG
    /// 2000 stays capped at ``PixelLimit/maxJPEG2000Pixels`` too).
    public static func read(_ path: String, maxPixels: Int) throws -> RGBImage {
        try decode(try Files.read(path, limit: maxFileBytes), name: path, maxPixels: maxPixels)
    }

    /// Decodes an in-memory image; `name` (a path or label) is used only in error messages.
    ///
    /// Throws ``ImageFileError`` whose reason says whether the bytes are empty, of an unknown
    /// format (showing the first bytes), or rejected by the decoder (with its message).
    public static func decode(_ bytes: [UInt8], name: String) throws -> RGBImage {
        try decode(bytes, name: name, maxPixels: PixelLimit.maxPixels)
    }

    /// ``decode(_:name:)`` with a caller's pixel cap, as in ``read(_:maxPixels:)``.
    public static func decode(_ bytes: [UInt8], name: String, maxPixels: Int) throws -> RGBImage {
        guard !bytes.isEmpty else { throw ImageFileError(path: name, reason: "empty file") }
        guard let format = ImageFormat.sniff(bytes) else {
            let head = bytes.prefix(8).map { hex($0) }.joined(separator: " ")
            throw ImageFileError(path: name, reason: "not a PNG, JPEG, WebP or JPEG 2000 file "
                                     + "(\(bytes.count) bytes, starting \(head))")
        }
        do {
            return try decode(bytes, format: format, maxPixels: maxPixels)
        } catch let error as CodecError {
            throw ImageFileError(path: name, reason: error.description)
        }
    }

    /// Decodes `bytes` already known to be `format`. Throws ``CodecError``.
    static func decode(_ bytes: [UInt8], format: ImageFormat, maxPixels: Int) throws -> RGBImage {
        switch format {
        case .png: return try PNGCodec.decode(bytes, maxPixels: maxPixels)
        case .jpeg: return try JPEGCodec.decode(bytes, maxPixels: maxPixels)
        case .webp: return try WebPCodec.decode(bytes, maxPixels: maxPixels)
        case .j2k: return try JPEG2000Codec.decode(bytes, jp2: false, maxPixels: maxPixels)
        case .jp2: return try JPEG2000Codec.decode(bytes, jp2: true, maxPixels: maxPixels)
        }
    }

    /// Encodes `image` as a lossless 8-bit RGB PNG (non-interlaced, zlib default level).
    public static func encodePNG(_ image: RGBImage) throws -> [UInt8] {
        try PNGCodec.encode(image)
    }

    /// Writes `image` as PNG to `path` atomically: a temporary file in the same directory is
    /// written, flushed and renamed, so no partial file is ever left at `path`.
    /// Throws ``ImageFileError`` naming `path` (missing directory, no permission, disk full).
    public static func writePNG(_ image: RGBImage, to path: String) throws {
        let bytes: [UInt8]
        do {
            bytes = try encodePNG(image)
        } catch let error as CodecError {
            throw ImageFileError(path: path, reason: error.description)
        }
        try AtomicFile.write(bytes, to: path)
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}
