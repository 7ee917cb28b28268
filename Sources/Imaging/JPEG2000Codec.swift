import _CodecShims

/// JPEG 2000 through OpenJPEG (via `_CodecShims`, which owns the memory streams and our own
/// validation of the SIZ header before OpenJPEG parses it).
enum JPEG2000Codec {
    /// Decodes a J2K codestream (`jp2 == false`) or a JP2 file to 8-bit RGB, as opj_decompress
    /// does: YCbCr (a JP2 colour box saying sYCC, or three components whose second is
    /// subsampled) is converted with its formulas after repeating 4:2:2 or 4:2:0 chroma, a palette
    /// is expanded, and gray is replicated. Other chroma layouts, subsampled components that are
    /// not YCbCr chroma, CMYK, e-sYCC, CIELab, JP2 colour spaces OpenJPEG does not know and ICC
    /// profiles for anything but RGB or gray are refused rather than decoded to wrong colours.
    /// The area is checked against `maxPixels` and ``PixelLimit/maxJPEG2000Pixels``, and the
    /// cost estimated from the header against `SHIM_J2K_MAX_DECODE_BYTES`, before decoding.
    static func decode(_ bytes: [UInt8], jp2: Bool, maxPixels: Int = PixelLimit.maxPixels) throws -> RGBImage {
        try bytes.withUnsafeBufferPointer { data in
            var width: UInt32 = 0
            var height: UInt32 = 0
            let reader = try ShimCall.make(.jpeg2000, "read header") { message, capacity in
                shim_j2k_reader_open(data.baseAddress, data.count, jp2 ? 1 : 0, &width, &height, message, capacity)
            }
            defer { shim_j2k_reader_close(reader) }
            let count = try PixelLimit.checkedSampleCount(width: Int(width), height: Int(height), codec: .jpeg2000,
                                                          limit: min(maxPixels, PixelLimit.maxJPEG2000Pixels))
            let pixels = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                try ShimCall.check(.jpeg2000, "decode") { message, capacity in
                    shim_j2k_reader_read_rgb(reader, buffer.baseAddress, message, capacity)
                }
                initialized = count
            }
            return RGBImage(width: Int(width), height: Int(height), pixels: pixels)
        }
    }

    /// Encodes a J2K codestream as `opj_compress -r ratio -I` does; `ratio` must exceed 1.
    /// Returns the bytes and the number of resolution levels used (6, or fewer for small images).
    static func encode(_ image: RGBImage, ratio: Double) throws -> (bytes: [UInt8], resolutions: Int) {
        guard ratio > 1, ratio.isFinite else {
            throw CodecError(codec: .jpeg2000, operation: "encode", message: "compression ratio \(ratio) must be greater than 1")
        }
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var resolutions: Int32 = 0
        try image.pixels.withUnsafeBufferPointer { rgb in
            try ShimCall.check(.jpeg2000, "encode") { message, capacity in
                shim_j2k_encode_rgb(rgb.baseAddress, UInt32(image.width), UInt32(image.height), Float(ratio),
                                    &resolutions, &output, &size, message, capacity)
            }
        }
        defer { shim_free(output) }
        return (Array(UnsafeBufferPointer(start: output, count: size)), Int(resolutions))
    }
}
