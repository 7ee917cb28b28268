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

    /// What the results record about the weights: their checksum, which loading verifies.
    func weightsDescription() throws -> String {
        "efficientnet-lite0 safetensors, SHA-256 \(WeightsLocation.sha256)"
    }

    /// Loads EfficientNet-Lite0, checking every tensor's name and shape.
    func load() throws -> EfficientNetLite0 {
        try EfficientNetLite0(weights: try weightsPath())
    }
}
