import Imaging

/// An untargeted L∞ evasion attack in 8-bit levels: it takes a clean image, a budget, a threat
/// (how it sees the defence) and a loss, and returns an 8-bit adversarial image within the budget.
public protocol Attack: Sendable {
    /// The name in the `attack` column: `fgsm` or `pgd`.
    var name: String { get }
    /// Gradient steps per restart (1 for FGSM).
    var steps: Int { get }
    /// Random restarts (1 for FGSM).
    var restarts: Int { get }
    /// The adversarial image for `x0` within `eps` levels, ascending `loss` as `threat` sees it.
    /// `seed` fixes any randomness, so the same inputs give the same image.
    func perturb(_ x0: RGBImage, eps: Int, threat: any Threat, loss: any Loss, target: LossTarget,
                 seed: UInt64) throws -> RGBImage
}

/// The attacks by name.
public enum AttackCatalog {
    /// The attack names `--attack` accepts.
    public static let names = ["fgsm", "pgd"]

    /// The attack called `name` with the given PGD settings (ignored by FGSM), or nil.
    public static func named(_ name: String, steps: Int = PGD.defaultSteps, restarts: Int = PGD.defaultRestarts) -> (any Attack)? {
        switch name {
        case "fgsm": return FGSM()
        case "pgd": return PGD(steps: steps, restarts: restarts)
        default: return nil
        }
    }
}
