import _CodecShims

/// JPEG through libjpeg-turbo (via `_CodecShims`, which owns the setjmp error handling).
enum JPEGCodec {
    /// Decodes baseline or progressive JPEG (gray, YCbCr, RGB, CMYK, YCCK) to 8-bit RGB with
    /// djpeg's defaults and djpeg's CMYK-to-RGB formula. Corrupt-data warnings, more than
    /// `SHIM_JPEG_MAX_SCANS` scans, sizes over `maxPixels`, and CMYK or YCCK without an Adobe
    /// marker (whose ink convention is unknown) are errors.
    static func decode(_ bytes: [UInt8], maxPixels: Int = PixelLimit.maxPixels) throws -> RGBImage {
        try bytes.withUnsafeBufferPointer { data in
            var width: UInt32 = 0
            var height: UInt32 = 0
            var components: Int32 = 0
            let reader = try ShimCall.make(.jpeg, "read header") { message, capacity in
                shim_jpeg_reader_open(data.baseAddress, data.count, &width, &height, &components, message, capacity)
            }
            defer { shim_jpeg_reader_close(reader) }
            let count = try PixelLimit.checkedSampleCount(width: Int(width), height: Int(height), codec: .jpeg, limit: maxPixels)
            let pixels = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                try ShimCall.check(.jpeg, "decode") { message, capacity in
                    shim_jpeg_reader_read_rgb(reader, buffer.baseAddress, message, capacity)
                }
                initialized = count
            }
            return RGBImage(width: Int(width), height: Int(height), pixels: pixels)
        }
    }

    /// Encodes with docs/protocol.md §4's settings (`cjpeg -baseline -quality q`). `quality` is 1–100.
    static func encode(_ image: RGBImage, quality: Int) throws -> [UInt8] {
        guard (1 ... 100).contains(quality) else {
            throw CodecError(codec: .jpeg, operation: "encode", message: "quality \(quality) is outside 1–100")
        }
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        try image.pixels.withUnsafeBufferPointer { rgb in
            try ShimCall.check(.jpeg, "encode") { message, capacity in
                shim_jpeg_encode_rgb(rgb.baseAddress, UInt32(image.width), UInt32(image.height), Int32(quality),
                                     &output, &size, message, capacity)
            }
        }
        defer { shim_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }
}
