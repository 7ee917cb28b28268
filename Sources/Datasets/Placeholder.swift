/// Placeholder: replaced by its issue.
public enum DatasetsPlaceholder {}
