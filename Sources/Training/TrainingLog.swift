import Datasets
import Foundation

/// One epoch's row of `train.csv`.
public struct EpochRecord: Equatable, Sendable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean cross-entropy over the epoch's training batches (nats).
    public var trainLoss: Double
    /// Fraction of training samples classified correctly during the epoch (0–1, model in training mode).
    public var trainAccuracy: Double
    /// Accuracy on the clean test set after the epoch (0–1).
    public var testAccuracy: Double
    /// Accuracy on the test set round-tripped through the test codec (0–1); equals
    /// `testAccuracy` when no test codec is set.
    public var testAccuracyCodec: Double
    /// Wall-clock seconds of the epoch's training steps (evaluation excluded).
    public var seconds: Double

    /// A record with every field given.
    public init(epoch: Int, trainLoss: Double, trainAccuracy: Double, testAccuracy: Double,
                testAccuracyCodec: Double, seconds: Double) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.testAccuracy = testAccuracy
        self.testAccuracyCodec = testAccuracyCodec
        self.seconds = seconds
    }

    /// The exact header of `train.csv`.
    public static let csvHeader = "epoch,train_loss,train_accuracy,test_accuracy,test_accuracy_codec,seconds"

    /// The CSV line, floats with up to 6 significant digits (`%.6g`), no trailing newline.
    public var csvLine: String {
        func g(_ v: Double) -> String { String(format: "%.6g", v) }
        return "\(epoch),\(g(trainLoss)),\(g(trainAccuracy)),\(g(testAccuracy)),\(g(testAccuracyCodec)),\(g(seconds))"
    }
}

/// Appends `train.csv` rows whole, flushed to disk after each epoch.
///
/// The file is created (truncated) with its header when the log opens, so a killed run leaves
/// a valid CSV with every completed epoch and never a half row.
public final class TrainingLog {
    private let handle: FileHandle
    /// The log's path.
    public let path: String

    /// Creates or truncates `path` and writes the header.
    ///
    /// - Throws: `DatasetError.unwritable` naming the path when it cannot be created.
    public init(path: String) throws {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: Data((EpochRecord.csvHeader + "\n").utf8)),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw DatasetError.unwritable(path: path, reason: "cannot create the log file")
        }
        self.handle = handle
        _ = try? handle.seekToEnd()
    }

    deinit { try? handle.close() }

    /// Appends one row and flushes it.
    public func append(_ record: EpochRecord) throws {
        do {
            try handle.write(contentsOf: Data((record.csvLine + "\n").utf8))
            try handle.synchronize()
        } catch {
            throw DatasetError.unwritable(path: path, reason: "\(error)")
        }
    }
}
