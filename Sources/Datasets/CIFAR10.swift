import _Support
/// CIFAR-10 (Krizhevsky 2009), binary version: 32×32 RGB images of 10 classes.
///
/// Each batch file is a sequence of 3073-byte records: one label byte (0–9), then 1024 red,
/// 1024 green and 1024 blue samples, each plane row-major (CHW). Training uses
/// `data_batch_1.bin` … `data_batch_5.bin` (10,000 records each), testing `test_batch.bin`.
/// Records are converted to the NHWC layout of `LabeledImages`.
public enum CIFAR10 {
    /// Bytes per record: 1 label + 3 × 32 × 32 samples.
    public static let recordSize = 3073
    /// Largest accepted batch file, 64 MiB; a real batch is 30,730,000 bytes.
    public static let fileLimit = 64 << 20
    /// The ten class names, in label order.
    public static let classNames = ["airplane", "automobile", "bird", "cat", "deer",
                                    "dog", "frog", "horse", "ship", "truck"]

    /// The batch files of a split, in order.
    public static func fileNames(_ split: Split) -> [String] {
        split == .train ? (1 ... 5).map { "data_batch_\($0).bin" } : ["test_batch.bin"]
    }

    // MARK: - Reading

    /// Loads one split from `directory` (the `cifar-10-batches-bin` folder).
    ///
    /// - Throws: `DatasetError` naming the file when one is missing, empty, over 64 MiB, not a
    ///   whole number of 3073-byte records, or has a label above 9.
    public static func load(_ split: Split, from directory: String) throws -> LabeledImages {
        var pixels = [UInt8]()
        var labels = [UInt8]()
        for name in fileNames(split) {
            let path = directory + "/" + name
            let batch = try parseBatch(Files.read(path, limit: fileLimit), path: path)
            pixels += batch.pixels
            labels += batch.labels
        }
        return LabeledImages(count: labels.count, height: 32, width: 32, channels: 3, classCount: 10,
                             pixels: pixels, labels: labels)
    }

    /// Parses one batch file's bytes into NHWC pixels and labels.
    ///
    /// - Throws: `DatasetError.badCIFAR` naming `path` on a bad length or label.
    public static func parseBatch(_ bytes: [UInt8], path: String) throws -> (pixels: [UInt8], labels: [UInt8]) {
        guard !bytes.isEmpty, bytes.count % recordSize == 0 else {
            throw DatasetError.badCIFAR(path: path, reason: "\(bytes.count) bytes is not a positive multiple of the \(recordSize)-byte record")
        }
        let count = bytes.count / recordSize
        var pixels = [UInt8](repeating: 0, count: count * 3072)
        var labels = [UInt8](repeating: 0, count: count)
        for r in 0 ..< count {
            let base = r * recordSize
            let label = bytes[base]
            guard label < 10 else {
                throw DatasetError.badCIFAR(path: path, reason: "record \(r) has label \(label), not in 0…9")
            }
            labels[r] = label
            // c y x -> y x c
            for c in 0 ..< 3 {
                for p in 0 ..< 1024 { pixels[r * 3072 + p * 3 + c] = bytes[base + 1 + c * 1024 + p] }
            }
        }
        return (pixels, labels)
    }
}
