import Imaging

/// An RGB image with real-valued samples on the 0–255 scale: the attacker's iterate, which is
/// kept in float between steps and rounded only at the end.
///
/// Samples are interleaved R, G, B, rows top to bottom, like ``RGBImage/pixels``.
public struct FloatImage: Equatable, Sendable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `3 · width · height` samples.
    public var pixels: [Float]

    /// An image of the given size and samples.
    public init(width: Int, height: Int, pixels: [Float]) {
        precondition(pixels.count == 3 * width * height, "FloatImage: \(pixels.count) samples for \(width)×\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The samples of an 8-bit image.
    public init(_ image: RGBImage) {
        self.init(width: image.width, height: image.height, pixels: image.pixels.map(Float.init))
    }

    /// The 8-bit image nearest to this one: each sample rounded half away from zero and clamped
    /// to 0…255.
    public func rounded() -> RGBImage {
        RGBImage(width: width, height: height, pixels: pixels.map { UInt8(min(max($0.rounded(), 0), 255)) })
    }
}
