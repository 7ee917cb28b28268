import Imaging

/// How far an adversarial image is from its clean image, in 8-bit levels.
public struct PerturbationSize: Equatable, Sendable {
    /// The largest absolute change of any sample (the L∞ norm), 0…255.
    public var linf: Int
    /// The number of pixels with at least one changed channel.
    public var changedPixels: Int

    /// Compares `adversarial` with `clean`; both must have the same size.
    public init(clean: RGBImage, adversarial: RGBImage) {
        precondition(clean.width == adversarial.width && clean.height == adversarial.height,
                     "PerturbationSize: \(clean.width)×\(clean.height) vs \(adversarial.width)×\(adversarial.height)")
        var linf = 0
        var changed = 0
        for p in 0..<clean.pixelCount {
            var moved = false
            for c in 0..<3 {
                let d = abs(Int(clean.pixels[3 * p + c]) - Int(adversarial.pixels[3 * p + c]))
                linf = max(linf, d)
                moved = moved || d != 0
            }
            if moved { changed += 1 }
        }
        self.linf = linf
        self.changedPixels = changed
    }
}
