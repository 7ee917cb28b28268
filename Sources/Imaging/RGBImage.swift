/// An 8-bit RGB image with interleaved, row-major samples.
///
/// Pixel `(x, y)` occupies `pixels[3 * (y * width + x) ..< 3 * (y * width + x) + 3]` as R, G, B,
/// each 0–255. Every decoder converts to this form (gray is expanded, alpha is dropped,
/// 16-bit samples are scaled), so the attack, the codecs and the metrics share one type.
public struct RGBImage: Equatable, Sendable {
    /// Width in pixels, at least 1.
    public let width: Int
    /// Height in pixels, at least 1.
    public let height: Int
    /// `3 * width * height` samples: R, G, B for each pixel, rows top to bottom.
    public var pixels: [UInt8]

    /// Wraps existing samples. `pixels.count` must equal `3 * width * height`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "RGBImage needs a positive size, got \(width)×\(height)")
        precondition(pixels.count == 3 * width * height,
                     "RGBImage \(width)×\(height) needs \(3 * width * height) samples, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A black image of the given size.
    public init(width: Int, height: Int) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: 0, count: 3 * width * height))
    }

    /// The number of pixels, `width * height`.
    public var pixelCount: Int { width * height }
}
