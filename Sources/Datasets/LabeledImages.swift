import Imaging

/// A set of equally sized 8-bit images with integer class labels, held in memory.
///
/// Layout: `pixels` is NHWC, row-major: image `i`, row `y`, column `x`, channel `c` is at
/// `((i * height + y) * width + x) * channels + c`. Samples are 0–255. Fashion-MNIST has
/// `channels == 1`; CIFAR-10 has `channels == 3` (R, G, B).
public struct LabeledImages: Equatable, Sendable {
    /// Number of images.
    public let count: Int
    /// Image height in pixels.
    public let height: Int
    /// Image width in pixels.
    public let width: Int
    /// Channels per pixel: 1 (gray) or 3 (RGB).
    public let channels: Int
    /// Number of classes; every label is below it.
    public let classCount: Int
    /// `count * height * width * channels` samples, NHWC.
    public var pixels: [UInt8]
    /// `count` labels, each in `0 ..< classCount`.
    public var labels: [UInt8]

    /// Wraps existing samples and labels; sizes must agree and labels must be below `classCount`.
    public init(count: Int, height: Int, width: Int, channels: Int, classCount: Int,
                pixels: [UInt8], labels: [UInt8]) {
        precondition(channels == 1 || channels == 3, "LabeledImages supports 1 or 3 channels, got \(channels)")
        precondition(pixels.count == count * height * width * channels,
                     "LabeledImages needs \(count * height * width * channels) samples, got \(pixels.count)")
        precondition(labels.count == count, "LabeledImages needs \(count) labels, got \(labels.count)")
        self.count = count
        self.height = height
        self.width = width
        self.channels = channels
        self.classCount = classCount
        self.pixels = pixels
        self.labels = labels
    }

    /// Samples per image, `height * width * channels`.
    public var imageSize: Int { height * width * channels }

    /// The first `n` images (all of them when `n >= count`), for quick runs and tests.
    public func prefix(_ n: Int) -> LabeledImages {
        let m = max(0, min(n, count))
        return LabeledImages(count: m, height: height, width: width, channels: channels, classCount: classCount,
                             pixels: Array(pixels[0 ..< m * imageSize]), labels: Array(labels[0 ..< m]))
    }

    /// A 64-bit FNV-1a fingerprint of the shape, pixels and labels.
    ///
    /// The codec cache keys on it, so that a poisoned copy of a training set (same name, same
    /// size, different pixels) never reuses the clean set's cached round trips.
    public var fingerprint: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        // FNV-1a, 64-bit prime 2^40 + 2^8 + 0xb3 (Fowler, Noll, Vo).
        func mix(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        for v in [count, height, width, channels, classCount] {
            withUnsafeBytes(of: UInt64(v).littleEndian) { for b in $0 { mix(b) } }
        }
        pixels.withUnsafeBufferPointer { for b in $0 { mix(b) } }
        labels.withUnsafeBufferPointer { for b in $0 { mix(b) } }
        return hash
    }

    // MARK: - Conversion to and from RGB

    /// Image `index` as an 8-bit RGB image; gray is replicated into R, G and B.
    public func rgbImage(_ index: Int) -> RGBImage {
        let base = index * imageSize
        if channels == 3 {
            return RGBImage(width: width, height: height, pixels: Array(pixels[base ..< base + imageSize]))
        }
        var rgb = [UInt8](repeating: 0, count: 3 * height * width)
        for p in 0 ..< height * width {
            let v = pixels[base + p]
            rgb[3 * p] = v
            rgb[3 * p + 1] = v
            rgb[3 * p + 2] = v
        }
        return RGBImage(width: width, height: height, pixels: rgb)
    }

    /// Converts an RGB image back to this set's channel layout, into `destination` (which must
    /// hold `imageSize` samples).
    ///
    /// For gray sets this is the ITU-R BT.601 luma, round(0.299 R + 0.587 G + 0.114 B), the
    /// conversion PIL's `convert("L")` uses; on an image with equal channels it returns that value
    /// exactly. A lossy codec returns nearly equal channels, and luma averages their small
    /// differences.
    public func storeRGB(_ image: RGBImage, into destination: UnsafeMutableBufferPointer<UInt8>) {
        precondition(image.width == width && image.height == height,
                     "expected a \(width)×\(height) image, got \(image.width)×\(image.height)")
        if channels == 3 {
            for i in 0 ..< imageSize { destination[i] = image.pixels[i] }
            return
        }
        for p in 0 ..< height * width {
            let r = Int(image.pixels[3 * p]), g = Int(image.pixels[3 * p + 1]), b = Int(image.pixels[3 * p + 2])
            // Fixed point: weights 299, 587, 114 sum to 1000; +500 rounds half up.
            destination[p] = UInt8((299 * r + 587 * g + 114 * b + 500) / 1000)
        }
    }
}
