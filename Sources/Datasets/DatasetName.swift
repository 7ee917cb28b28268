/// The datasets `sanitize train` and `sanitize poison` know, by their command-line names.
public enum DatasetName: String, Sendable, CaseIterable {
    /// Fashion-MNIST, gzip'd IDX; default directory `/usr/share/datasets/fashion-mnist`.
    case fashionMNIST = "fashion-mnist"
    /// CIFAR-10 binary batches; there is no default directory, pass `--data DIR`.
    case cifar10

    /// The directory used when none is given, or nil when the dataset has none.
    public var defaultDirectory: String? {
        switch self {
        case .fashionMNIST: return FashionMNIST.defaultDirectory
        case .cifar10: return nil
        }
    }

    /// Loads one split from `directory`, validating every file (see `FashionMNIST.load` and
    /// `CIFAR10.load` for the checks and errors).
    public func load(_ split: Split, from directory: String) throws -> LabeledImages {
        switch self {
        case .fashionMNIST: return try FashionMNIST.load(split, from: directory)
        case .cifar10: return try CIFAR10.load(split, from: directory)
        }
    }
}
