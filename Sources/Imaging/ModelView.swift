/// docs/protocol.md §1's "model view": what the classifier sees of an image of any size.
///
/// If the image is not already 224×224, its shorter side is resized to 256 with antialiased
/// bilinear resampling (bit-exact with Pillow's `BILINEAR`, see
/// ``RGBImage/resizedBilinear(width:height:)``), and the center 224×224 is cropped. The sizes
/// follow torchvision's `Resize(256)` and `CenterCrop(224)` on PIL images, so results match the
/// usual ImageNet evaluation pipeline.
public enum ModelView {
    /// The classifier's input side, 224.
    public static let side = 224
    /// The side the shorter side is resized to before cropping, 256 (the 224/256 = 0.875 ImageNet convention).
    public static let resizeSide = 256

    /// Where the pipeline resizes to and crops from, for an input of `width`×`height`.
    public struct Geometry: Equatable, Sendable {
        /// The width after resizing (the input width when no resizing happens).
        public var resizedWidth: Int
        /// The height after resizing (the input height when no resizing happens).
        public var resizedHeight: Int
        /// The left edge of the 224×224 crop in the resized image.
        public var cropX: Int
        /// The top edge of the 224×224 crop in the resized image.
        public var cropY: Int
    }

    /// The resize target and crop origin for an input of `width`×`height` (both positive).
    ///
    /// The shorter side becomes 256 and the longer `Int(256 · long / short)` (truncated, as
    /// torchvision computes it in floating point). The crop origin is `round((W − 224) / 2)`
    /// with ties to even, as Python's `round`. A 224×224 input maps to itself.
    public static func geometry(width: Int, height: Int) -> Geometry {
        if width == side && height == side {
            return Geometry(resizedWidth: side, resizedHeight: side, cropX: 0, cropY: 0)
        }
        let short = min(width, height), long = max(width, height)
        let newLong = Int(Double(resizeSide * long) / Double(short))
        let (w, h) = width <= height ? (resizeSide, newLong) : (newLong, resizeSide)
        func origin(_ size: Int) -> Int { Int((Double(size - side) / 2).rounded(.toNearestOrEven)) }
        return Geometry(resizedWidth: w, resizedHeight: h, cropX: origin(w), cropY: origin(h))
    }

    /// The clean 224×224 image x0 of docs/protocol.md §1 for `image`; a 224×224 input is returned unchanged.
    public static func apply(_ image: RGBImage) -> RGBImage {
        let g = geometry(width: image.width, height: image.height)
        if image.width == side && image.height == side { return image }
        // Only the crop is computed: the same pixels as resizing fully and then cropping.
        return image.resizedBilinear(width: g.resizedWidth, height: g.resizedHeight,
                                     window: g.cropX ..< g.cropX + side, g.cropY ..< g.cropY + side)
    }
}
