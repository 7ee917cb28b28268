/// Placeholder until the training code lands.
public enum TrainingPlaceholder {}
