/// The decoded-size cap, checked in 64-bit arithmetic before any pixel buffer is allocated.
public enum PixelLimit {
    /// The largest decoded image accepted, in pixels: 100 Mpx (300 MB of RGB).
    ///
    /// OSS-Fuzz's decoder harnesses use caps of this order; a real photo is far smaller, while a
    /// 100-byte header can declare 60000×60000 (3.6 Gpx) and would otherwise trigger a huge allocation.
    public static let maxPixels = 100_000_000

    /// Returns `3 * width * height` after checking the declared size.
    ///
    /// Throws a ``CodecError`` naming the size when either side is not positive or the area
    /// exceeds ``maxPixels``.
    static func checkedSampleCount(width: Int, height: Int, codec: Codec) throws -> Int {
        guard width > 0, height > 0 else {
            throw CodecError(codec: codec, operation: "read header",
                             message: "invalid declared size \(width)×\(height)")
        }
        let (area, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, area <= maxPixels else {
            let total = overflow ? "more than \(Int.max)" : "\(area)"
            throw CodecError(codec: codec, operation: "read header",
                             message: "declared size \(width)×\(height) (\(total) pixels) "
                                 + "exceeds the limit of \(maxPixels) pixels")
        }
        return 3 * area
    }
}
