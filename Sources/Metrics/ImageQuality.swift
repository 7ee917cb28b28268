import Imaging

/// Full-reference image quality: MS-SSIM, SSIM and PSNR of a distorted image against a reference.
///
/// All three follow docs/protocol.md §5 and agree with the anchors: MS-SSIM and SSIM with
/// pytorch_msssim 1.0 `ms_ssim` / `ssim` at `data_range=255` (within 5e-4), PSNR with numpy in
/// float64. Each RGB channel is measured separately and the results are averaged over channels.
/// The SSIM family is computed in float32 with SIMD, spread over all cores, and needs about
/// 32 bytes of scratch memory per pixel (two images × three channels × the float pyramid);
/// PSNR is exact and needs none.
public enum ImageQuality {
    /// The multi-scale structural similarity (Wang, Simoncelli & Bovik 2003) of two RGB images.
    ///
    /// Gaussian window 11, σ 1.5, K1 0.01, K2 0.03, L 255, 5 scales weighted
    /// (0.0448, 0.2856, 0.3001, 0.2363, 0.1333), valid filtering, 2×2 average pooling.
    /// - Returns: a value in [0, 1]; 1 for identical images, 0 when the contrast-structure term of
    ///   any scale is negative (e.g. an inverted image), since each term is clamped at 0.
    /// - Throws: `ImageQualityError.sizeMismatch` when the sizes differ, and
    ///   `.tooSmallForMSSSIM` when the smaller side is 160 pixels or less.
    public static func msssim(_ reference: RGBImage, _ distorted: RGBImage) throws -> Double {
        try checkSameSize(reference, distorted)
        try checkMultiScale(width: reference.width, height: reference.height)
        return statistics(reference, distorted, scales: SSIMParameters.scaleWeights.count).multiScale
    }

    /// The single-scale structural similarity (Wang et al. 2004) of two RGB images: the mean of the
    /// SSIM map over valid pixels, averaged over the RGB channels.
    /// - Returns: a value in [−1, 1]; 1 for identical images. It is not clamped, like
    ///   pytorch_msssim's `ssim(nonnegative_ssim=False)`.
    /// - Throws: `.sizeMismatch`, or `.tooSmallForSSIM` when a side is shorter than 11 pixels.
    public static func ssim(_ reference: RGBImage, _ distorted: RGBImage) throws -> Double {
        try checkSameSize(reference, distorted)
        try checkSingleScale(width: reference.width, height: reference.height)
        return statistics(reference, distorted, scales: 1).singleScale
    }

    /// All three metrics in one call; SSIM comes for free from the finest scale of MS-SSIM.
    /// - Throws: as `msssim(_:_:)`.
    public static func scores(_ reference: RGBImage, _ distorted: RGBImage) throws -> QualityScores {
        try checkSameSize(reference, distorted)
        try checkMultiScale(width: reference.width, height: reference.height)
        let stats = statistics(reference, distorted, scales: SSIMParameters.scaleWeights.count)
        return QualityScores(msssim: stats.multiScale, ssim: stats.singleScale,
                             psnr: try psnr(reference, distorted))
    }

    /// MS-SSIM of two images given as float planes, for callers that already hold float data
    /// (tensors). Same definition as `msssim(_:_:)`.
    /// - Parameters:
    ///   - reference, distorted: `channels * height * width` samples, planar (channel-major,
    ///     then rows top to bottom), on the 0…255 scale (values outside are measured as given;
    ///     a NaN sample makes the result NaN).
    ///   - width, height: the plane size; the smaller side must exceed 160.
    ///   - channels: number of planes, at least 1; the result is their mean.
    /// - Throws: `.badPlaneShape` when a buffer has the wrong length, `.tooSmallForMSSSIM`.
    public static func msssim(
        reference: UnsafeBufferPointer<Float>, distorted: UnsafeBufferPointer<Float>,
        width: Int, height: Int, channels: Int
    ) throws -> Double {
        let area = width.multipliedReportingOverflow(by: height)
        let samples = area.partialValue.multipliedReportingOverflow(by: channels)
        let valid = width >= 1 && height >= 1 && channels >= 1 && !area.overflow && !samples.overflow
        for (what, buffer) in [("reference", reference), ("distorted", distorted)]
        where !valid || buffer.count != samples.partialValue {
            throw ImageQualityError.badPlaneShape(what: what, count: buffer.count, width: width,
                                                  height: height, channels: channels)
        }
        try checkMultiScale(width: width, height: height)
        let planeSize = width * height
        return ssimStatistics(width: width, height: height, channels: channels,
                              scales: SSIMParameters.scaleWeights.count) { isDistorted, layout in
            let source = (isDistorted ? distorted : reference).baseAddress!
            for c in 0..<channels {
                for r in 0..<height {
                    let input = source + c * planeSize + r * width, output = layout.row(c, r)
                    for x in 0..<width { output[x] = input[x] - SSIMParameters.centre }
                }
            }
        }.multiScale
    }

    // MARK: - Argument checks

    static func checkSameSize(_ reference: RGBImage, _ distorted: RGBImage) throws {
        guard reference.width == distorted.width, reference.height == distorted.height else {
            throw ImageQualityError.sizeMismatch(reference: (reference.width, reference.height),
                                                 distorted: (distorted.width, distorted.height))
        }
    }

    static func checkMultiScale(width: Int, height: Int) throws {
        let side = SSIMParameters.minimumMultiScaleSide
        guard min(width, height) >= side else {
            throw ImageQualityError.tooSmallForMSSSIM(width: width, height: height, minimumSide: side)
        }
    }

    static func checkSingleScale(width: Int, height: Int) throws {
        let side = SSIMParameters.windowSize
        guard min(width, height) >= side else {
            throw ImageQualityError.tooSmallForSSIM(width: width, height: height, minimumSide: side)
        }
    }

    // MARK: - RGB to planes

    /// SSIM statistics of two RGB images of one (checked) size: the samples are de-interleaved
    /// into three centred float planes per image.
    static func statistics(_ reference: RGBImage, _ distorted: RGBImage, scales: Int) -> SSIMStatistics {
        let width = reference.width, height = reference.height
        return reference.pixels.withUnsafeBufferPointer { ref in
            distorted.pixels.withUnsafeBufferPointer { dis in
                ssimStatistics(width: width, height: height, channels: 3, scales: scales) { isDistorted, layout in
                    let source = (isDistorted ? dis : ref).baseAddress!
                    let centre = SSIMParameters.centre
                    for r in 0..<height {
                        let input = source + 3 * r * width
                        let red = layout.row(0, r), green = layout.row(1, r), blue = layout.row(2, r)
                        for x in 0..<width {
                            red[x] = Float(input[3 * x]) - centre
                            green[x] = Float(input[3 * x + 1]) - centre
                            blue[x] = Float(input[3 * x + 2]) - centre
                        }
                    }
                }
            }
        }
    }
}

/// MS-SSIM, SSIM and PSNR of one distorted image against its reference.
public struct QualityScores: Equatable, Sendable {
    /// MS-SSIM in [0, 1]; see `ImageQuality.msssim(_:_:)`.
    public var msssim: Double
    /// Single-scale SSIM in [−1, 1]; see `ImageQuality.ssim(_:_:)`.
    public var ssim: Double
    /// PSNR in dB with peak 255; `.infinity` for identical images.
    public var psnr: Double

    /// Wraps three already computed values.
    public init(msssim: Double, ssim: Double, psnr: Double) {
        self.msssim = msssim
        self.ssim = ssim
        self.psnr = psnr
    }
}
