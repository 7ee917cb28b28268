/// Placeholder: replaced by the kernels.
public enum KernelsPlaceholder {}
