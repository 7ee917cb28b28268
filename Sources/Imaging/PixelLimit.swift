/// The decoded-size cap, checked in 64-bit arithmetic before any pixel buffer is allocated.
public enum PixelLimit {
    /// The largest decoded image accepted, in pixels: 100 Mpx (300 MB of RGB).
    ///
    /// OSS-Fuzz's decoder harnesses use caps of this order; a real photo is far smaller, while a
    /// 100-byte header can declare 60000×60000 (3.6 Gpx) and would otherwise trigger a huge allocation.
    public static let maxPixels = 100_000_000

    /// The JPEG 2000 cap: 40 Mpx. OpenJPEG holds each component as 32-bit integers while
    /// decoding (12 bytes per RGB pixel, 480 MB at the cap), and 2.5.x has known memory bugs on
    /// malformed codestreams, so its cap is lower than the others'.
    public static let maxJPEG2000Pixels = 40_000_000

    /// Returns `3 * width * height` after checking the declared size.
    ///
    /// Throws a ``CodecError`` naming the size when either side is not positive or the area
    /// exceeds `limit`.
    static func checkedSampleCount(width: Int, height: Int, codec: Codec, limit: Int = maxPixels) throws -> Int {
        guard width > 0, height > 0 else {
            throw CodecError(codec: codec, operation: "read header",
                             message: "invalid declared size \(width)×\(height)")
        }
        let (area, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, area <= limit else {
            let total = overflow ? "more than \(Int.max)" : "\(area)"
            throw CodecError(codec: codec, operation: "read header",
                             message: "declared size \(width)×\(height) (\(total) pixels) "
                                 + "exceeds the limit of \(limit) pixels")
        }
        return 3 * area
    }
}
