import Imaging
import Tensors

/// Projected gradient descent (Madry et al. 2018), L∞, untargeted, in 8-bit levels.
///
/// Each restart starts at a uniform random point of the ball `[x0 ± eps] ∩ [0, 255]`, takes
/// `steps` signed steps of `α = eps / 8` up the threat's loss, and projects after each step. The
/// iterate stays in float; the result is rounded to 8 bits, which keeps it inside the ball
/// because x0 and eps are integers. The result is the iterate whose rounded image has the highest
/// loss as the threat's forward sees it: every iterate's when the threat's forward rounds its input
/// (its loss is then already that of the rounded image, at no extra cost), else the last one of each
/// restart.
public struct PGD: Attack {
    /// The default number of steps, 20.
    public static let defaultSteps = 20
    /// The default number of restarts, 1.
    public static let defaultRestarts = 1
    /// The step size as a fraction of eps, 1/8.
    public static let stepFraction: Float = 1.0 / 8

    /// `pgd`.
    public let name = "pgd"
    /// Signed gradient steps per restart.
    public let steps: Int
    /// Random restarts.
    public let restarts: Int

    /// PGD with `steps` steps and `restarts` restarts, both at least 1.
    public init(steps: Int = defaultSteps, restarts: Int = defaultRestarts) {
        precondition(steps >= 1 && restarts >= 1, "PGD: steps and restarts must be at least 1")
        self.steps = steps
        self.restarts = restarts
    }

    public func perturb(_ x0: RGBImage, eps: Int, threat: any Threat, loss: any Loss, target: LossTarget,
                        seed: UInt64) throws -> RGBImage {
        guard eps > 0 else { return x0 }
        let ball = LinfBall(center: x0.pixels.map(Float.init), radius: Float(eps))
        let alpha = Float(eps) * Self.stepFraction
        var best: (image: RGBImage, value: Double)?
        func consider(_ x: [Float], value: Double?) throws {
            let image = FloatImage(width: x0.width, height: x0.height, pixels: x).rounded()
            let value = try value ?? threat.lossGradient(FloatImage(image), loss: loss, target: target).value
            if best == nil || value > best!.value { best = (image, value) }
        }
        for restart in 0..<restarts {
            var generator = SeededGenerator(seed: AttackSeed.mix(seed, UInt64(restart)))
            var x = ball.randomPoint(&generator)
            for _ in 0..<steps {
                let at = try threat.lossGradient(FloatImage(width: x0.width, height: x0.height, pixels: x),
                                                 loss: loss, target: target)
                if threat.roundsItsInput { try consider(x, value: at.value) }
                ball.step(&x, gradient: at.gradient, stepSize: alpha)
            }
            if restarts == 1 && !threat.roundsItsInput {
                return FloatImage(width: x0.width, height: x0.height, pixels: x).rounded()
            }
            try consider(x, value: nil)
        }
        return best!.image
    }
}

/// Seeds for the attacks' randomness, derived from the run's seed and what the attack is
/// applied to, so that every (image, eps, setting) gets its own reproducible stream.
public enum AttackSeed {
    /// SplitMix64's finaliser of `a` combined with `b`.
    public static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var z = a &+ 0x9E37_79B9_7F4A_7C15 &* (b &+ 1)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A stable 64-bit hash of `text` (FNV-1a over its UTF-8 bytes).
    public static func hash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return h
    }

    /// The seed of one attack: the run's seed mixed with each part's hash in turn.
    public static func derive(_ seed: Int, _ parts: [String]) -> UInt64 {
        parts.reduce(UInt64(bitPattern: Int64(seed))) { mix($0, hash($1)) }
    }
}
