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
