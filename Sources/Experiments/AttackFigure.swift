import Foundation
import Imaging

/// A figure like Fig. 1 of the paper: clean image, amplified perturbation, adversarial image and
/// its sanitised version side by side, each captioned with its prediction. Written as SVG with
/// the panels embedded as lossless PNGs, so it opens in any browser and scales cleanly.
public struct AttackFigure {
    /// The clean image x0.
    public var clean: RGBImage
    /// The FGSM image.
    public var adversarial: RGBImage
    /// The adversarial image after a codec round trip.
    public var sanitised: RGBImage
    /// The budget used, in levels.
    public var eps: Int
    /// Four captions, one per panel.
    public var captions: [String]

    /// Memberwise.
    public init(clean: RGBImage, adversarial: RGBImage, sanitised: RGBImage, eps: Int, captions: [String]) {
        precondition(captions.count == 4, "AttackFigure needs 4 captions, got \(captions.count)")
        self.clean = clean; self.adversarial = adversarial; self.sanitised = sanitised
        self.eps = eps; self.captions = captions
    }

    /// The factor that maps ±eps onto about ±127 levels for display.
    public static func amplification(eps: Int) -> Int { max(1, 127 / max(eps, 1)) }

    /// The perturbation `x_adv − x0`, amplified and centred on mid-gray so it is visible.
    public func perturbationImage() -> RGBImage {
        let gain = Self.amplification(eps: eps)
        var out = clean
        for i in out.pixels.indices {
            out.pixels[i] = UInt8(clamping: 128 + gain * (Int(adversarial.pixels[i]) - Int(clean.pixels[i])))
        }
        return out
    }

    /// The figure as SVG text.
    public func svg() throws -> String {
        let panels = [clean, perturbationImage(), adversarial, sanitised]
        let w = clean.width, h = clean.height, gap = 12, captionHeight = 40
        let width = 4 * w + 5 * gap, height = h + captionHeight + 2 * gap
        var body = ""
        for (i, panel) in panels.enumerated() {
            let x = gap + i * (w + gap)
            let png = try ImageFile.encodePNG(panel)
            body += """
                <image x="\(x)" y="\(gap)" width="\(w)" height="\(h)" href="data:image/png;base64,\(Data(png).base64EncodedString())"/>
                <text x="\(x + w / 2)" y="\(gap + h + 24)" text-anchor="middle">\(escape(captions[i]))</text>

                """
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            \(body)</svg>

            """
    }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
