/// Placeholder: replaced by the metrics.
public enum MetricsPlaceholder {}
