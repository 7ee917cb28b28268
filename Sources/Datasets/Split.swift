/// Which part of a dataset: the training images or the held-out test images.
public enum Split: String, Sendable, CaseIterable {
    /// The training set (Fashion-MNIST: 60,000 images; CIFAR-10: 50,000).
    case train
    /// The test set (10,000 images in both).
    case test
}
