import Imaging

/// The fast gradient sign method (Goodfellow et al. 2015), untargeted, in 8-bit levels.
///
/// `x_adv = clip(x0 + eps · sign(∇ₓ CE(f(x0), y)), 0, 255)` with `sign(0) = 0`, so the
/// result is integer-valued and fits an 8-bit PNG exactly (docs/protocol.md §3).
public enum FGSM {
    /// The adversarial image for a budget of `eps` levels (`--eps 4` means ±4/255).
    ///
    /// - Parameters:
    ///   - image: the clean image x0.
    ///   - gradient: the loss gradient with respect to x0's samples, `image.pixels.count` values.
    ///   - eps: the L∞ budget in 8-bit levels, 0…255. Zero returns `image` unchanged.
    public static func perturb(_ image: RGBImage, gradient: [Float], eps: Int) -> RGBImage {
        precondition(gradient.count == image.pixels.count,
                     "FGSM: gradient has \(gradient.count) values, image has \(image.pixels.count) samples")
        precondition((0...255).contains(eps), "FGSM: eps must be 0…255 levels, got \(eps)")
        var out = image
        out.pixels.withUnsafeMutableBufferPointer { dst in
            image.pixels.withUnsafeBufferPointer { src in
                for i in 0..<src.count {
                    let g = gradient[i]
                    let step = g > 0 ? eps : (g < 0 ? -eps : 0)
                    dst[i] = UInt8(clamping: Int(src[i]) + step)
                }
            }
        }
        return out
    }

    /// The budget that fits in the `bits` least significant bits: `2^bits − 1` levels.
    public static func budget(bits: Int) -> Int {
        precondition((0...8).contains(bits), "FGSM: bits must be 0…8, got \(bits)")
        return (1 << bits) - 1
    }
}
