/// Placeholder: replaced by EfficientNet-Lite0.
public enum ModelsPlaceholder {}
