import _CodecShims

/// PNG through libpng (via `_CodecShims`, which owns the setjmp error handling).
enum PNGCodec {
    /// Decodes any PNG (palette, gray, gray+alpha, RGBA, tRNS, 1–16 bits, interlaced) to 8-bit RGB.
    /// The size is checked against ``ImageFile/maxPixels`` before the pixels are allocated.
    static func decode(_ bytes: [UInt8]) throws -> RGBImage {
        try bytes.withUnsafeBufferPointer { data in
            var width: UInt32 = 0
            var height: UInt32 = 0
            let reader = try ShimCall.make(.png, "read header") { message, capacity in
                shim_png_reader_open(data.baseAddress, data.count, &width, &height, message, capacity)
            }
            defer { shim_png_reader_close(reader) }
            let count = try PixelLimit.checkedSampleCount(width: Int(width), height: Int(height), codec: .png)
            let pixels = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                try ShimCall.check(.png, "decode") { message, capacity in
                    shim_png_reader_read_rgb(reader, buffer.baseAddress, message, capacity)
                }
                initialized = count
            }
            return RGBImage(width: Int(width), height: Int(height), pixels: pixels)
        }
    }

    /// Encodes 8-bit RGB losslessly (non-interlaced, zlib default level).
    static func encode(_ image: RGBImage) throws -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        try image.pixels.withUnsafeBufferPointer { rgb in
            try ShimCall.check(.png, "encode") { message, capacity in
                shim_png_encode_rgb(rgb.baseAddress, UInt32(image.width), UInt32(image.height),
                                    &output, &size, message, capacity)
            }
        }
        defer { shim_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }
}
