import _Support
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

    /// The columns of `train.csv`.
    public static let columns = ["epoch", "train_loss", "train_accuracy", "test_accuracy", "test_accuracy_codec", "seconds"]

    /// The exact header line of `train.csv`.
    public static var csvHeader: String { CSVText.line(columns) }

    /// The record's fields, floats with up to 6 significant digits.
    public var fields: [String] {
        [String(epoch)] + [trainLoss, trainAccuracy, testAccuracy, testAccuracyCodec, seconds].map(CSVText.number)
    }

    /// The CSV line, without a trailing newline.
    public var csvLine: String { CSVText.line(fields) }
}

/// Writes `train.csv` rows whole, flushed to disk after each epoch, to a temporary file beside
/// the log that `commit()` renames into place.
///
/// Until `commit()`, the log's path keeps whatever it held before (a previous run's log stays
/// whole if this run is killed or fails); the rows so far can be followed in `temporaryPath`.
/// Committed together with the weights (`Checkpoint.stage`), the log and the weights on disk
/// always come from the same run.
public final class TrainingLog {
    private let file: StagedFile
    /// The log's path.
    public var path: String { file.path }
    /// The temporary file holding the rows until `commit()`.
    public var temporaryPath: String { file.temporaryPath }

    /// Creates the temporary file beside `path` and writes the header to it.
    ///
    /// - Throws: `FileError` naming the path when it cannot be created.
    public init(path: String) throws {
        file = try StagedFile(for: path)
        try file.append(Array(CSVText.lines([EpochRecord.columns]).utf8))
    }

    /// Appends one row and flushes it.
    ///
    /// - Throws: `FileError` naming the log (a full disk, for example).
    public func append(_ record: EpochRecord) throws {
        try file.append(Array(CSVText.lines([record.fields]).utf8))
        try file.synchronize()
    }

    /// Renames the finished log into place (see `StagedFile.commit()`).
    public func commit() throws {
        try file.commit()
    }

    /// Removes the temporary file and leaves the log's path as it was.
    public func discard() {
        file.discard()
    }
}
