import CWebP

/// WebP through libwebp, called directly (it reports errors by status, without longjmp).
enum WebPCodec {
    /// The largest side libwebp can encode (WEBP_MAX_DIMENSION).
    static let maxSide = 16383

    /// Decodes a still lossy or lossless WebP to 8-bit RGB (alpha dropped) with libwebp's default
    /// fancy upsampling, as dwebp does. Animated files are refused.
    static func decode(_ bytes: [UInt8]) throws -> RGBImage {
        try bytes.withUnsafeBufferPointer { data in
            var features = WebPBitstreamFeatures()
            let status = WebPGetFeatures(data.baseAddress, data.count, &features)
            guard status == VP8_STATUS_OK else {
                throw CodecError(codec: .webp, operation: "read header", message: describe(status))
            }
            guard features.has_animation == 0 else {
                throw CodecError(codec: .webp, operation: "read header",
                                 message: "animated WebP (\(features.width)×\(features.height)) is not supported")
            }
            let width = Int(features.width), height = Int(features.height)
            let count = try PixelLimit.checkedSampleCount(width: width, height: height, codec: .webp)
            let pixels = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                guard WebPDecodeRGBInto(data.baseAddress, data.count, buffer.baseAddress, count, Int32(3 * width)) != nil else {
                    var config = WebPDecoderConfig()
                    let detail = WebPInitDecoderConfig(&config) != 0
                        ? describe(WebPDecode(data.baseAddress, data.count, &config)) : "decoding failed"
                    WebPFreeDecBuffer(&config.output)
                    throw CodecError(codec: .webp, operation: "decode", message: detail)
                }
                initialized = count
            }
            return RGBImage(width: width, height: height, pixels: pixels)
        }
    }

    /// Encodes lossy WebP as `cwebp -q quality` does (default preset and method 4). `quality` is 0–100.
    static func encode(_ image: RGBImage, quality: Int) throws -> [UInt8] {
        guard (0 ... 100).contains(quality) else {
            throw CodecError(codec: .webp, operation: "encode", message: "quality \(quality) is outside 0–100")
        }
        guard image.width <= maxSide, image.height <= maxSide else {
            throw CodecError(codec: .webp, operation: "encode",
                             message: "\(image.width)×\(image.height) exceeds WebP's maximum side of \(maxSide) pixels")
        }
        var output: UnsafeMutablePointer<UInt8>?
        let size = image.pixels.withUnsafeBufferPointer { rgb in
            WebPEncodeRGB(rgb.baseAddress, Int32(image.width), Int32(image.height), Int32(3 * image.width),
                          Float(quality), &output)
        }
        defer { WebPFree(output) }
        guard size > 0, let output else {
            throw CodecError(codec: .webp, operation: "encode", message: "libwebp could not encode \(image.width)×\(image.height)")
        }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }

    /// libwebp's status codes in words.
    private static func describe(_ status: VP8StatusCode) -> String {
        switch status {
        case VP8_STATUS_OK: return "no error"
        case VP8_STATUS_OUT_OF_MEMORY: return "out of memory"
        case VP8_STATUS_INVALID_PARAM: return "invalid parameter"
        case VP8_STATUS_BITSTREAM_ERROR: return "corrupt or unsupported WebP bitstream"
        case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported WebP feature"
        case VP8_STATUS_SUSPENDED: return "decoding suspended"
        case VP8_STATUS_USER_ABORT: return "decoding aborted"
        case VP8_STATUS_NOT_ENOUGH_DATA: return "truncated WebP: not enough data"
        default: return "libwebp status \(status.rawValue)"
        }
    }
}
