import ArgumentParser
import Experiments
import Models

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

    /// What the results record about the weights (see `WeightsLocation.description(of:)`).
    func weightsDescription() throws -> String {
        try WeightsLocation.description(of: weights)
    }

    /// Loads EfficientNet-Lite0, checking every tensor's name, shape and values; the installed
    /// file is also checked against its SHA-256.
    func load() throws -> EfficientNetLite0 {
        try EfficientNetLite0(weights: weights, verifyChecksum: weights == nil)
    }
}
