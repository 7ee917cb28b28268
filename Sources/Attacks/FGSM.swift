import Imaging

/// The fast gradient sign method (Goodfellow et al. 2015), untargeted, in 8-bit levels:
/// `x_adv = clip(x0 + eps · sign(g), 0, 255)` with g the threat's gradient at x0 and
/// `sign(0) = 0`, so the result is integer-valued (docs/protocol.md §3).
public struct FGSM: Attack {
    /// `fgsm`.
    public let name = "fgsm"
    /// One step.
    public let steps = 1
    /// No restarts.
    public let restarts = 1

    /// FGSM.
    public init() {}

    public func perturb(_ x0: RGBImage, eps: Int, threat: any Threat, loss: any Loss, target: LossTarget,
                        seed: UInt64) throws -> RGBImage {
        guard eps > 0 else { return x0 }
        let gradient = try threat.lossGradient(FloatImage(x0), loss: loss, target: target).gradient
        return Self.perturb(x0, gradient: gradient, eps: eps)
    }

    /// The FGSM image for a given gradient, `image.pixels.count` values, and a budget of
    /// `eps` levels, 0…255 (`--eps 4` means ±4/255). Zero returns `image` unchanged.
    public static func perturb(_ image: RGBImage, gradient: [Float], eps: Int) -> RGBImage {
        precondition(gradient.count == image.pixels.count,
                     "FGSM: gradient has \(gradient.count) values, image has \(image.pixels.count) samples")
        precondition((0...255).contains(eps), "FGSM: eps must be 0…255 levels, got \(eps)")
        // One signed step of eps from x0 on the ball of radius eps: integers stay exact in float.
        let ball = LinfBall(center: image.pixels.map(Float.init), radius: Float(eps))
        var x = ball.center
        ball.step(&x, gradient: gradient, stepSize: Float(eps))
        return FloatImage(width: image.width, height: image.height, pixels: x).rounded()
    }

    /// The budget that fits in the `bits` least significant bits: `2^bits − 1` levels.
    public static func budget(bits: Int) -> Int {
        precondition((0...8).contains(bits), "FGSM: bits must be 0…8, got \(bits)")
        return (1 << bits) - 1
    }
}
