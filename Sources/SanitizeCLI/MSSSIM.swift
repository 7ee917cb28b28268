import ArgumentParser
import Foundation
import Imaging
import Metrics

/// `sanitize msssim REFERENCE DISTORTED`: MS-SSIM on the first line of stdout, then SSIM and PSNR.
struct MSSSIM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "msssim",
        abstract: "Measure how much a distorted image differs from its reference: MS-SSIM, SSIM and PSNR.",
        discussion: """
            The first line of output is the MS-SSIM value alone, so scripts can read it with \
            `head -1`. Two labelled lines follow: `ssim VALUE` and `psnr VALUE` (in dB, `inf` for \
            identical images); --value-only leaves them out.

            MS-SSIM follows Wang, Simoncelli and Bovik (2003) exactly as pytorch_msssim 1.0 \
            `ms_ssim(data_range=255)` does: an 11-pixel Gaussian window with sigma 1.5, K1 0.01, \
            K2 0.03, 5 scales weighted 0.0448, 0.2856, 0.3001, 0.2363, 0.1333, valid filtering \
            and 2x2 average pooling, each term clamped at 0, averaged over R, G and B. It ranges \
            from 0 to 1 (1 for identical images). SSIM is the single-scale index (it can be \
            negative); PSNR uses peak 255 over all samples.

            Both images may be PNG, JPEG, WebP or JPEG 2000 (detected from their bytes) and are \
            measured at their own size, without the 224x224 model view. They must have the same \
            size, and MS-SSIM needs both sides to be at least 161 pixels.

            Example:
              sanitize compress photo.png --codec jpeg --quality 50 --output decoded.png
              sanitize msssim photo.png decoded.png
            """)

    @Argument(help: "The reference (clean) image: PNG, JPEG, WebP or JPEG 2000.")
    var reference: String

    @Argument(help: "The distorted image to measure against the reference; it must have the same size.")
    var distorted: String

    @Flag(help: "Print only the MS-SSIM value, without the SSIM and PSNR lines.")
    var valueOnly = false

    func validate() throws {
        for (name, path) in [("reference", reference), ("distorted", distorted)] where path.isEmpty {
            throw ValidationError("the \(name) image path is empty")
        }
    }

    func run() throws {
        let referenceImage = try ImageFile.read(reference)
        let distortedImage = try ImageFile.read(distorted)
        if valueOnly {
            print(format(try ImageQuality.msssim(referenceImage, distortedImage)))
            return
        }
        let scores = try ImageQuality.scores(referenceImage, distortedImage)
        print(format(scores.msssim))
        print("ssim \(format(scores.ssim))")
        print("psnr \(scores.psnr.isInfinite ? "inf" : String(format: "%.4f", scores.psnr))")
    }

    /// Six decimals: finer than the 5e-4 agreement promised with pytorch_msssim.
    private func format(_ value: Double) -> String {
        String(format: "%.6f", value)
    }
}
