import ArgumentParser
import Experiments

/// The options that choose the classifier's weights, shared by every command that runs the model.
struct ModelOptions: ParsableArguments {
    @Option(help: """
        The EfficientNet-Lite0 safetensors file. Default: $SANITIZE_WEIGHTS, else \
        Weights/efficientnet-lite0.safetensors, which Scripts/setup.sh installs.
        """)
    var weights: String?

    /// What the results record about the weights.
    func weightsDescription() throws -> String { "efficientnet-lite0 (\(weights ?? "default"))" }

    /// Loads the classifier (wired to EfficientNet-Lite0 when the model lands).
    func load() throws -> Classifier { throw ValidationError("the model is not built yet") }
}
