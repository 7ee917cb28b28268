import Models

/// The ImageNet model is the sweep's classifier: its batched `logits` and `inputGradients`
/// already have the shapes `Classifier` asks for.
extension EfficientNetLite: Classifier {}
