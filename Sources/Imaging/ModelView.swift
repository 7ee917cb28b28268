/// docs/protocol.md §1's "model view": what the classifier sees of an image of any size.
///
/// If the image is not already `side`×`side`, its shorter side is resized to `resizeSide` with
/// antialiased bilinear resampling (bit-exact with Pillow's `BILINEAR`, see
/// ``RGBImage/resizedBilinear(width:height:)``), and the center `side`×`side` is cropped. The sizes
/// follow torchvision's `Resize(resizeSide)` and `CenterCrop(side)` on PIL images, so results match
/// the usual ImageNet evaluation pipeline. The defaults, 224 and 256, are EfficientNet-Lite0's view;
/// Lite1 uses 240 and 272, Lite2 260 and 292 (`EfficientNetLiteVariant.inputSide` and `resizeSide`).
public enum ModelView {
    /// The default classifier input side, 224 (EfficientNet-Lite0's).
    public static let side = 224
    /// The default side the shorter side is resized to before cropping, 256 (the 224/256 = 0.875
    /// ImageNet convention).
    public static let resizeSide = 256

    /// Where the pipeline resizes to and crops from, for an input of `width`×`height`.
    public struct Geometry: Equatable, Sendable {
        /// The width after resizing (the input width when no resizing happens).
        public var resizedWidth: Int
        /// The height after resizing (the input height when no resizing happens).
        public var resizedHeight: Int
        /// The left edge of the `side`×`side` crop in the resized image.
        public var cropX: Int
        /// The top edge of the `side`×`side` crop in the resized image.
        public var cropY: Int
    }

    /// The resize target and crop origin for an input of `width`×`height` (both positive), for a
    /// view of `side`×`side` cropped from a shorter side of `resizeSide` (`1 ≤ side ≤ resizeSide`).
    ///
    /// The shorter side becomes `resizeSide` and the longer `Int(resizeSide · long / short)`
    /// (truncated, as torchvision computes it in floating point). The crop origin is
    /// `round((W − side) / 2)` with ties to even, as Python's `round`. A `side`×`side` input maps
    /// to itself.
    public static func geometry(width: Int, height: Int, side: Int = side, resizeSide: Int = resizeSide) -> Geometry {
        precondition(side >= 1 && resizeSide >= side, "model view needs 1 ≤ side ≤ resizeSide, got \(side) and \(resizeSide)")
        if width == side && height == side {
            return Geometry(resizedWidth: side, resizedHeight: side, cropX: 0, cropY: 0)
        }
        let short = min(width, height), long = max(width, height)
        let newLong = Int(Double(resizeSide * long) / Double(short))
        let (w, h) = width <= height ? (resizeSide, newLong) : (newLong, resizeSide)
        func origin(_ size: Int) -> Int { Int((Double(size - side) / 2).rounded(.toNearestOrEven)) }
        return Geometry(resizedWidth: w, resizedHeight: h, cropX: origin(w), cropY: origin(h))
    }

    /// The clean `side`×`side` image x0 of docs/protocol.md §1 for `image`, its shorter side
    /// resized to `resizeSide` first (`1 ≤ side ≤ resizeSide`, sizes that come from the chosen
    /// model, not from user input); a `side`×`side` input is returned unchanged.
    public static func apply(_ image: RGBImage, side: Int = side, resizeSide: Int = resizeSide) -> RGBImage {
        let g = geometry(width: image.width, height: image.height, side: side, resizeSide: resizeSide)
        if image.width == side && image.height == side { return image }
        // Only the crop is computed: the same pixels as resizing fully and then cropping.
        return image.resizedBilinear(width: g.resizedWidth, height: g.resizedHeight,
                                     window: g.cropX ..< g.cropX + side, g.cropY ..< g.cropY + side)
    }
}
