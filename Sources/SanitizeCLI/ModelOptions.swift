import ArgumentParser
import Experiments
import Models
import _Support

/// The options that choose the classifier's weights, shared by every command that runs the model.
struct ModelOptions: ParsableArguments {
    @Option(help: """
        The EfficientNet-Lite0 safetensors file. Default: $SANITIZE_WEIGHTS, else \
        Weights/efficientnet-lite0.safetensors, which Scripts/setup.sh installs.
        """)
    var weights: String?

    /// The path the model will be loaded from; throws, saying how to run the setup script, when none is found.
    func weightsPath() throws -> String {
        try weights ?? WeightsLocation.defaultPath()
    }

    /// The model's name in the results.
    static let modelName = "efficientnet-lite0"

    /// What the results record about the weights: their SHA-256 (the installed file's is checked
    /// on loading; another file given with --weights is hashed).
    func weightsDescription() throws -> String {
        guard let weights else { return "\(Self.modelName) safetensors, SHA-256 \(WeightsLocation.sha256)" }
        let bytes = try Files.read(weights, limit: 1 << 31)
        return "\(Self.modelName) safetensors, SHA-256 \(sha256Hex(bytes))"
    }

    /// Loads EfficientNet-Lite0, checking every tensor's name, shape and values; the installed
    /// file is also checked against its SHA-256.
    func load() throws -> EfficientNetLite0 {
        try EfficientNetLite0(weights: weights, verifyChecksum: weights == nil)
    }
}
