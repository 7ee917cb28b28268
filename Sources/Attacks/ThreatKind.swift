import Imaging

/// The threat models a sweep can ask for, by name, with the codec settings each applies to.
public enum ThreatKind: String, CaseIterable, Sendable {
    /// The model only; scored at every setting.
    case oblivious
    /// The real codec forward, identity backward; at each codec setting.
    case bpda
    /// BPDA averaged over a codec family's settings; one image per family.
    case eot
    /// The real libjpeg forward, the differentiable JPEG backward; JPEG settings only.
    case bpdaDiffJPEG = "bpda-diffjpeg"
    /// The differentiable JPEG forward and backward; JPEG settings only.
    case diffjpeg
    /// Crafted obliviously on another model (`--source-model`); scored at every setting.
    case transfer
    /// Correct only if correct under every other threat of the run; at every setting.
    case worst

    /// The name in the `threat` column.
    public var name: String { rawValue }

    /// Every name, in the order `--help` lists them.
    public static var names: [String] { allCases.map(\.name) }

    /// Whether rows of this threat exist at `setting`. Without a codec the codec-aware threats
    /// coincide with `oblivious`, so they have no `none` rows.
    public func applies(to setting: CodecSetting) -> Bool {
        switch self {
        case .oblivious, .transfer, .worst: return true
        case .bpda, .eot: return setting.codec != .none
        case .bpdaDiffJPEG, .diffjpeg: return setting.codec == .jpeg
        }
    }

    /// What one adversarial image of this threat is made for: every setting at once, one setting,
    /// or one codec family. nil for `worst`, which makes no image.
    public func craftingScope(for setting: CodecSetting) -> String? {
        switch self {
        case .oblivious, .transfer: return "all"
        case .bpda, .bpdaDiffJPEG, .diffjpeg: return setting.description
        case .eot: return setting.codec.rawValue
        case .worst: return nil
        }
    }
}

extension ThreatKind {
    /// The threat of this kind against `model`. `source` is the surrogate of `transfer`;
    /// `settings` are the codec settings the threat differentiates through: one for `bpda`,
    /// `bpda-diffjpeg` and `diffjpeg`, a codec family's for `eot`, none for the model-only threats.
    /// `worst` makes no image and has no threat.
    public func threat(model: any Classifier, source: (any Classifier)?, settings: [CodecSetting]) -> any Threat {
        switch self {
        case .oblivious: return ModelOnlyThreat.oblivious(model)
        case .transfer:
            precondition(source != nil, "the transfer threat needs a source model")
            return ModelOnlyThreat.transfer(source!)
        case .bpda: return BPDAThreat(model: model, setting: settings[0])
        case .eot: return EOTThreat(model: model, settings: settings)
        case .bpdaDiffJPEG: return DifferentiableJPEGThreat.bpda(model: model, quality: settings[0].quality)
        case .diffjpeg: return DifferentiableJPEGThreat.differentiable(model: model, quality: settings[0].quality)
        case .worst: preconditionFailure("worst takes the worst of the other threats' rows; it makes no image")
        }
    }
}
