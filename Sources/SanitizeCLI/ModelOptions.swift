import ArgumentParser
import Experiments
import Models

/// The options that choose the classifier and its weights, shared by every command that runs the model.
struct ModelOptions: ParsableArguments {
    @Option(help: "The classifier: efficientnet-lite0, efficientnet-lite1 or efficientnet-lite2 (224, 240 or 260 pixels). It also sets the model view's size.")
    var model: EfficientNetLiteVariant = .lite0

    @Option(help: """
        The weights file (safetensors) of the chosen model to use instead of the installed one \
        (Weights/<model>.safetensors, which Scripts/setup.sh installs; for Lite0 also $SANITIZE_WEIGHTS).
        """)
    var weights: String?

    /// The path the model will be loaded from; throws, saying how to run the setup script, when none is found.
    func weightsPath() throws -> String {
        try weights ?? WeightsLocation.defaultPath(for: model)
    }

    /// What the results record about the weights (see `WeightsLocation.description(of:variant:)`).
    func weightsDescription() throws -> String {
        try WeightsLocation.description(of: weights, variant: model)
    }

    /// Loads the model, checking every tensor's name, shape and values; the installed file is also
    /// checked against its SHA-256.
    func load() throws -> EfficientNetLite {
        try EfficientNetLite(variant: model, weights: weights, verifyChecksum: weights == nil)
    }
}

/// `--model NAME`: an unknown name is a usage error that lists the valid ones.
extension EfficientNetLiteVariant: ExpressibleByArgument {}
