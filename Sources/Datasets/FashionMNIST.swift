import _Support
/// Fashion-MNIST (Xiao, Rasul and Vollgraf 2017): 28×28 gray images of 10 clothing classes,
/// 60,000 for training and 10,000 for testing, as gzip'd IDX files.
///
/// Files: `train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`, `t10k-images-idx3-ubyte.gz`,
/// `t10k-labels-idx1-ubyte.gz`. The poison writer uses the same names, so a poisoned training
/// set is read back by pointing `directory` at it.
public enum FashionMNIST {
    /// Where Debian's `dataset-fashion-mnist` package installs the files.
    public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"
    /// The ten class names, in label order.
    public static let classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    /// The image and label file names of a split.
    public static func fileNames(_ split: Split) -> (images: String, labels: String) {
        let stem = split == .train ? "train" : "t10k"
        return ("\(stem)-images-idx3-ubyte.gz", "\(stem)-labels-idx1-ubyte.gz")
    }

    // MARK: - Reading

    /// Loads one split from `directory`.
    ///
    /// - Parameter limit: the inflated-size cap per file, in bytes (default 256 MiB).
    /// - Throws: `DatasetError` naming the file when it is missing, not gzip, truncated, fails its
    ///   CRC, is over the cap, has a wrong IDX magic or payload size, a label above 9, or when the
    ///   image and label counts differ.
    public static func load(_ split: Split, from directory: String = defaultDirectory,
                            limit: Int = Gzip.defaultLimit) throws -> LabeledImages {
        let names = fileNames(split)
        let imagePath = directory + "/" + names.images
        let labelPath = directory + "/" + names.labels
        let (sizes, imagePayload) = try IDX.parse(Gzip.inflateFile(imagePath, limit: limit), dimensions: 3, path: imagePath)
        let (labelSizes, labelPayload) = try IDX.parse(Gzip.inflateFile(labelPath, limit: limit), dimensions: 1, path: labelPath)
        guard sizes[0] == labelSizes[0] else {
            throw DatasetError.mismatch(reason: "'\(imagePath)' holds \(sizes[0]) images but '\(labelPath)' holds \(labelSizes[0]) labels")
        }
        if let bad = labelPayload.firstIndex(where: { $0 >= 10 }) {
            throw DatasetError.badIDX(path: labelPath, reason: "label \(labelPayload[bad]) at index \(bad - labelPayload.startIndex) is not in 0…9")
        }
        return LabeledImages(count: sizes[0], height: sizes[1], width: sizes[2], channels: 1, classCount: 10,
                             pixels: Array(imagePayload), labels: Array(labelPayload))
    }

    // MARK: - Writing

    /// Writes `set` (gray) as the gzip'd IDX files of `split` in `directory`, each atomically.
    ///
    /// - Throws: `FileError` when the folder cannot be created or written.
    public static func write(_ set: LabeledImages, as split: Split, to directory: String) throws {
        precondition(set.channels == 1, "Fashion-MNIST files hold gray images; got \(set.channels) channels")
        try Files.makeFolder(directory)
        let names = fileNames(split)
        let images = IDX.encode(sizes: [set.count, set.height, set.width], payload: set.pixels)
        let labels = IDX.encode(sizes: [set.count], payload: set.labels)
        try AtomicFile.write(Gzip.deflate(images), to: directory + "/" + names.images)
        try AtomicFile.write(Gzip.deflate(labels), to: directory + "/" + names.labels)
    }
}
