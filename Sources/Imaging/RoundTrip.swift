/// The result of passing an image through a codec: what was stored and what comes back.
public struct RoundTrip: Sendable {
    /// The encoded file: a JPEG, WebP, J2K codestream or PNG; for `none`, the raw RGB samples.
    public var encoded: [UInt8]
    /// The decoded 8-bit RGB image, of the input's size.
    public var decoded: RGBImage
    /// `encoded.count`; for `none`, `3 · width · height`.
    public var bytes: Int
    /// Bits per pixel, `8 · bytes / (width · height)` (docs/protocol.md §4); 24 for `none`.
    public var bpp: Double

    /// Wraps an encoded file and its decoding.
    public init(encoded: [UInt8], decoded: RGBImage) {
        self.encoded = encoded
        self.decoded = decoded
        self.bytes = encoded.count
        self.bpp = 8 * Double(encoded.count) / Double(decoded.pixelCount)
    }
}

/// Encodes `image` with `setting` (docs/protocol.md §4's exact settings) and decodes the result.
///
/// - `jpeg:q`: `cjpeg -baseline -quality q` bytes; decoded as djpeg does.
/// - `webp:q`: `cwebp -q q` (lossy); decoded as dwebp does.
/// - `jpeg2000:R`: `opj_compress -r R -I` (J2K, 9/7, one layer; fewer resolution levels for
///   images under 32 pixels on a side); decoded as opj_decompress does.
/// - `png`: lossless; `none`: the raw samples, 24 bpp, and the image itself.
///
/// Throws ``CodecError`` with the library's message, e.g. for a WebP side over 16383 pixels.
public func roundTrip(_ image: RGBImage, _ setting: CodecSetting) throws -> RoundTrip {
    switch setting.codec {
    case .none:
        return RoundTrip(encoded: image.pixels, decoded: image)
    case .png:
        let encoded = try PNGCodec.encode(image)
        return RoundTrip(encoded: encoded, decoded: try PNGCodec.decode(encoded))
    case .jpeg:
        let encoded = try JPEGCodec.encode(image, quality: setting.quality)
        return RoundTrip(encoded: encoded, decoded: try JPEGCodec.decode(encoded))
    case .webp:
        let encoded = try WebPCodec.encode(image, quality: setting.quality)
        return RoundTrip(encoded: encoded, decoded: try WebPCodec.decode(encoded))
    case .jpeg2000:
        let encoded = try JPEG2000Codec.encode(image, ratio: Double(setting.quality)).bytes
        return RoundTrip(encoded: encoded, decoded: try JPEG2000Codec.decode(encoded, jp2: false))
    }
}
