/// Why an image pair cannot be measured. Each description names the sizes involved.
public enum ImageQualityError: Swift.Error, Equatable, CustomStringConvertible {
    /// The two images differ in size. Sizes are `(width, height)`.
    case sizeMismatch(reference: (width: Int, height: Int), distorted: (width: Int, height: Int))
    /// MS-SSIM needs both sides larger than `minimumSide - 1` pixels: four 2× halvings must leave
    /// room for the 11-pixel window (pytorch_msssim asserts the smaller side is > 160).
    case tooSmallForMSSSIM(width: Int, height: Int, minimumSide: Int)
    /// Single-scale SSIM needs both sides at least as long as the 11-pixel Gaussian window.
    case tooSmallForSSIM(width: Int, height: Int, minimumSide: Int)
    /// A float-plane buffer does not hold `channels * width * height` samples, or the shape is empty.
    case badPlaneShape(what: String, count: Int, width: Int, height: Int, channels: Int)

    public static func == (a: ImageQualityError, b: ImageQualityError) -> Bool {
        a.description == b.description
    }

    /// A one-line explanation naming the sizes, e.g.
    /// `images differ in size: reference is 224×224, distorted is 225×224`.
    public var description: String {
        switch self {
        case let .sizeMismatch(r, d):
            return "images differ in size: reference is \(r.width)×\(r.height), distorted is \(d.width)×\(d.height)"
        case let .tooSmallForMSSSIM(w, h, m):
            return "MS-SSIM needs both sides at least \(m) pixels (5 scales with an 11-pixel window), "
                + "but the image is \(w)×\(h)"
        case let .tooSmallForSSIM(w, h, m):
            return "SSIM needs both sides at least \(m) pixels (the Gaussian window), but the image is \(w)×\(h)"
        case let .badPlaneShape(what, count, w, h, c):
            return "\(what) holds \(count) samples, but \(c) planes of \(w)×\(h) need \(c * w * h)"
        }
    }
}
