import Imaging

/// How the attacker sees the defence: the loss and the gradient it ascends at an iterate x.
///
/// The forward a threat runs and the backward it uses differ by threat: the model alone
/// (`oblivious`, `transfer`), the real codec forward with an identity backward (`bpda`), that
/// averaged over a codec family's settings (`eot`), or a differentiable JPEG (`bpda-diffjpeg`,
/// `diffjpeg`). One PGD loop serves them all.
public protocol Threat {
    /// The name in the `threat` column.
    var name: String { get }
    /// The loss the attacker ascends at `x` and its gradient with respect to x's samples.
    func lossGradient(_ x: FloatImage, loss: any Loss, target: LossTarget) throws -> LossGradient
    /// Whether the forward rounds x to 8 bits first, so that the loss it returns is that of x's
    /// rounded image.
    var roundsItsInput: Bool { get }
}

extension Threat {
    /// The model-only threats see the float iterate.
    public var roundsItsInput: Bool { false }
}

/// `oblivious`: the model only, as if there were no codec. With a model other than the scored
/// one it is `transfer`, the grey-box attacker who crafts on a surrogate.
public struct ModelOnlyThreat: Threat {
    /// `oblivious` or `transfer`.
    public let name: String
    /// The model differentiated.
    public let model: any Classifier

    /// The attacker who differentiates `model` and ignores the codec.
    public static func oblivious(_ model: any Classifier) -> ModelOnlyThreat {
        ModelOnlyThreat(name: "oblivious", model: model)
    }

    /// The attacker who crafts on `surrogate` and is scored on another model.
    public static func transfer(_ surrogate: any Classifier) -> ModelOnlyThreat {
        ModelOnlyThreat(name: "transfer", model: surrogate)
    }

    public func lossGradient(_ x: FloatImage, loss: any Loss, target: LossTarget) throws -> LossGradient {
        try model.lossGradient(x, loss: loss, target: target)
    }
}

/// `bpda` (Athalye et al. 2018's backward pass differentiable approximation): forward through
/// rounding to 8 bits, the real codec at `setting` and the model; backward as the identity
/// through the rounding and the codec, so the gradient is the model's at the decoded image.
public struct BPDAThreat: Threat {
    /// `bpda`.
    public let name = "bpda"
    /// The codec sees the rounded image.
    public let roundsItsInput = true
    /// The model.
    public let model: any Classifier
    /// The codec setting the attacker differentiates through.
    public let setting: CodecSetting

    /// Memberwise.
    public init(model: any Classifier, setting: CodecSetting) {
        self.model = model
        self.setting = setting
    }

    public func lossGradient(_ x: FloatImage, loss: any Loss, target: LossTarget) throws -> LossGradient {
        let decoded = try roundTrip(x.rounded(), setting).decoded
        return try model.lossGradient(FloatImage(decoded), loss: loss, target: target)
    }
}

/// `eot` (expectation over transformation): the BPDA gradients averaged exactly over every
/// setting of a codec family in the sweep, so one adversarial image faces them all.
public struct EOTThreat: Threat {
    /// `eot`.
    public let name = "eot"
    /// Every member rounds.
    public let roundsItsInput = true
    /// The averaged BPDA threats, one per setting.
    public let members: [BPDAThreat]

    /// The average over `settings` (at least one).
    public init(model: any Classifier, settings: [CodecSetting]) {
        precondition(!settings.isEmpty, "EOTThreat needs at least one setting")
        members = settings.map { BPDAThreat(model: model, setting: $0) }
    }

    public func lossGradient(_ x: FloatImage, loss: any Loss, target: LossTarget) throws -> LossGradient {
        var sum = [Float](repeating: 0, count: x.pixels.count)
        var value = 0.0
        var logits: [Float] = []
        for member in members {
            let part = try member.lossGradient(x, loss: loss, target: target)
            for i in sum.indices { sum[i] += part.gradient[i] }
            value += part.value
            logits = part.logits
        }
        let share = 1 / Float(members.count)
        return LossGradient(logits: logits, value: value / Double(members.count), gradient: sum.map { $0 * share })
    }
}
