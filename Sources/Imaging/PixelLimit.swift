/// The decoded-size cap, checked in 64-bit arithmetic before any pixel buffer is allocated, and
/// the memory that decoding one input may cost.
///
/// Every allocation a decoder makes is bounded from the header before it is made, so a small
/// file cannot cost more than the bound of its format. Beyond these, decoding holds the input's
/// own bytes and the process's fixed footprint (about 20 MB for `sanitize`). At the default caps:
///
/// | input | bound | what it is made of |
/// |---|---|---|
/// | PNG | about 320 MB | 3 bytes per pixel of RGB (300 MB at ``maxPixels``), libpng's rows, and chunk buffers: no chunk may declare more bytes than remain in the file, ancillary chunks at most 16 MiB each (text and ICC decompression included), at most 1000 of them kept |
/// | JPEG | about 1.1 GB | the RGB (300 MB) and libjpeg's coefficient buffers of progressive and multi-scan files: 2 bytes per sample, at most 800 MB for four full-resolution components at the cap, and refused above 1 GiB in any case (`max_memory_to_use`); at most 500 scans |
/// | WebP | about 800 MB | the RGB and at most 5 more bytes per pixel inside libwebp (the lossless ARGB image and the alpha plane) |
/// | JPEG 2000 | 1 GiB and the codestream's size | OpenJPEG's cost estimated from the header and refused above 1 GiB: one record per code-block and precinct (COD and COC of the main and tile-part headers), the packet-inclusion table (layers × precincts), the 32-bit components with a palette's expansion (at most 4 channels) and the RGB; at most ``maxJPEG2000Pixels`` and 4096 tiles. The coded data and its segment records grow with the file's size on top |
public enum PixelLimit {
    /// The largest decoded image accepted, in pixels: 100 Mpx (300 MB of RGB).
    ///
    /// OSS-Fuzz's decoder harnesses use caps of this order; a real photo is far smaller, while a
    /// 100-byte header can declare 60000×60000 (3.6 Gpx) and would otherwise trigger a huge allocation.
    public static let maxPixels = 100_000_000

    /// The JPEG 2000 cap: 40 Mpx. OpenJPEG holds each component as 32-bit integers while
    /// decoding (12 bytes per RGB pixel, 480 MB at the cap), and 2.5.x has known memory bugs on
    /// malformed codestreams, so its cap is lower than the others'. The estimated cost of the
    /// coding structures is capped too (see the table above): 4×4 code-blocks cost about 100
    /// bytes per RGB pixel, so such files are refused well below 40 Mpx.
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
