/// Placeholder: replaced by the tensor core.
public enum TensorsPlaceholder {}
