// MARK: - Errors

/// Why an EfficientNet-Lite model could not be chosen, loaded or run. Every description names the file or the
/// value and the reason; problems with the weights file also say how to install it.
public enum ModelError: Swift.Error, Equatable, CustomStringConvertible {
    /// A model name that is not one of `EfficientNetLiteVariant.names` (`valid`).
    case unknownModel(name: String, valid: [String])
    /// No weights file for `model` was found; `searched` lists the paths tried, in order.
    case weightsNotFound(model: String, searched: [String])
    /// The file exists but could not be read or parsed (`reason` says what is wrong, naming the
    /// tensor when one is at fault: truncated data, a bad header, a wrong dtype).
    case weightsUnreadable(path: String, reason: String)
    /// The file's SHA-256 is not that of `model`'s converted weights.
    case checksumMismatch(path: String, model: String, expected: String, observed: String)
    /// Tensors `model`'s architecture needs that the file lacks, by name.
    case missingTensors(path: String, model: String, names: [String])
    /// Tensors in the file that `model`'s architecture does not use, by name.
    case unexpectedTensors(path: String, model: String, names: [String])
    /// A tensor whose shape differs from `model`'s architecture (PyTorch layout, e.g. OIHW).
    case shapeMismatch(path: String, model: String, name: String, expected: [Int], observed: [Int])
    /// A tensor stored with another element type than the architecture's (F32 for weights).
    case dtypeMismatch(path: String, name: String, expected: String, observed: String)
    /// A weight that is NaN or ±∞, with its flat index and value.
    case nonFiniteWeight(path: String, name: String, index: Int, value: Float)
    /// Images of one batch must share a size.
    case mixedImageSizes(index: Int, width: Int, height: Int, expectedWidth: Int, expectedHeight: Int)
    /// A float pixel batch whose size does not match its declared shape.
    case invalidInput(String)
    /// A label outside 0..<1000, or a label count that differs from the image count.
    case invalidLabels(String)

    /// How to get a good weights file; appended to every weights error.
    static let installHint = "run Scripts/setup.sh (or Scripts/fetch_weights.sh) to download and "
        + "install the weights, or pass --weights PATH"

    /// A one-line message naming the file or value and the reason.
    public var description: String {
        switch self {
        case .unknownModel(let name, let valid):
            return "unknown model '\(name)'; choose one of \(valid.joined(separator: ", "))"
        case .weightsNotFound(let model, let searched):
            return "\(model) weights not found (looked for \(searched.joined(separator: ", "))); "
                + Self.installHint
        case .weightsUnreadable(let path, let reason):
            return "cannot read weights \(path): \(reason); " + Self.installHint
        case .checksumMismatch(let path, let model, let expected, let observed):
            return "weights \(path) are corrupt or not \(model): SHA-256 \(observed), expected "
                + "\(expected); " + Self.installHint
        case .missingTensors(let path, let model, let names):
            return "weights \(path) lack \(names.count) tensor(s) of \(model) (another model's file?): "
                + "\(names.joined(separator: ", ")); " + Self.installHint
        case .unexpectedTensors(let path, let model, let names):
            return "weights \(path) hold \(names.count) unexpected tensor(s), not in \(model) (another model's "
                + "file?): \(names.joined(separator: ", ")); " + Self.installHint
        case .shapeMismatch(let path, let model, let name, let expected, let observed):
            return "weights \(path): tensor \(name) has shape \(observed), expected \(expected) for \(model) "
                + "(another model's file?); " + Self.installHint
        case .dtypeMismatch(let path, let name, let expected, let observed):
            return "weights \(path): tensor \(name) is stored as \(observed), expected \(expected); "
                + Self.installHint
        case .nonFiniteWeight(let path, let name, let index, let value):
            return "weights \(path): tensor \(name) holds \(value) at index \(index); weights must be finite "
                + "(a diverged training run?); " + Self.installHint
        case .mixedImageSizes(let index, let width, let height, let expectedWidth, let expectedHeight):
            return "image \(index) is \(width)×\(height) but the batch is \(expectedWidth)×\(expectedHeight); "
                + "one batch must share a size"
        case .invalidInput(let reason):
            return "invalid input: \(reason)"
        case .invalidLabels(let reason):
            return "invalid labels: \(reason)"
        }
    }
}
