import _Support
import ArgumentParser
import Datasets
import Foundation
import Tensors
import Training

extension DatasetName: ExpressibleByArgument {}

/// Which optimizer `sanitize train` uses.
enum OptimizerChoice: String, ExpressibleByArgument, CaseIterable {
    case adam, sgd
}

/// `sanitize train`: trains the small CNN, optionally on codec-round-tripped training images,
/// and logs clean and codec test accuracy per epoch.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a small CNN on Fashion-MNIST or CIFAR-10, optionally through a lossy codec.",
        discussion: """
            Every training image is round-tripped once through --codec (cached on disk, both cores) \
            and the network is trained on the decoded images. After each epoch the model is \
            evaluated on the clean test set and on the test set through --test-codec (default: \
            the training codec). The per-epoch log has the columns \
            epoch,train_loss,train_accuracy,test_accuracy,test_accuracy_codec,seconds.

            The log and the weights are written beside their destinations under temporary names \
            and renamed into place together when training ends, so a killed or failed run leaves \
            the previous run's log and weights as they were. Training stops with an error as soon \
            as the loss or a weight becomes NaN or infinite (a learning rate that is too large).

            Example:
              sanitize train --codec jpeg:10 --epochs 8 --output out/jpeg10.safetensors --log out/jpeg10.csv
            """)

    @OptionGroup var data: DataOptions

    @Option(help: "Codec applied to every training image, such as jpeg:50, webp:10 or jpeg2000:20; 'none' trains on the images as they are.")
    var codec: String = "none"

    @Option(name: .customLong("test-codec"), help: "Codec applied to the test images for test_accuracy_codec; defaults to --codec.")
    var testCodec: String?

    @Option(help: "Number of passes over the training set.")
    var epochs: Int = 5

    @Option(help: "Seed for the initial weights and the per-epoch shuffles.")
    var seed: UInt64 = 0

    @Option(name: .customLong("batch-size"), help: "Samples per optimisation step.")
    var batchSize: Int = 128

    @Option(help: "Optimizer: adam (one-cycle schedule, peak 2e-3) or sgd (momentum 0.9, weight decay 5e-4, one-cycle, peak 0.05).")
    var optimizer: OptimizerChoice = .adam

    @Option(name: .customLong("lr"), help: "Peak learning rate; overrides the optimizer's default.")
    var learningRate: Float?

    @Option(help: "Where to write the trained weights (safetensors).")
    var output: String

    @Option(help: "Where to write the per-epoch CSV log.")
    var log: String

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
            throw ValidationError("--lr must be a positive number, got \(learningRate)")
        }
        for text in [codec] + (testCodec.map { [$0] } ?? []) {
            do { _ = try CodecChoice(text) } catch { throw ValidationError("\(error)") }
        }
        try data.validate()
        for (option, path) in [("--output", output), ("--log", log)] { try OutputFiles.checkWritable(path, option: option) }
        try OutputFiles.checkDistinct(outputs: [.init("--output", output), .init("--log", log)])
    }

    func run() throws {
        let trainCodec = try CodecChoice(codec)
        let evalCodec = try testCodec.map(CodecChoice.init) ?? trainCodec
        var (train, test) = try data.load()
        eprint("loaded \(train.count) training images from \(data.trainSource) and \(test.count) test images")
        let cache = CodecCache(directory: data.cacheDirectory)
        if !trainCodec.isNone || !evalCodec.isNone { eprint("codec cache: \(cache.directory)") }
        train = try trainCodec.apply(to: train, split: .train, tag: data.trainTag, dataset: data.dataset, cache: cache)
        let codecTest = try evalCodec.isNone ? nil
            : evalCodec.apply(to: test, split: .test, tag: "clean", dataset: data.dataset, cache: cache)

        let peak = learningRate ?? (optimizer == .adam ? 2e-3 : 0.05)
        let kind: OptimizerKind = optimizer == .adam ? .adam(weightDecay: 0) : .sgd(momentum: 0.9, weightDecay: 5e-4)
        let configuration = TrainingConfiguration(epochs: epochs, batchSize: min(batchSize, train.count), optimizer: kind,
                                                  schedule: .oneCycle(peak: peak, warmup: 0.15), seed: seed)
        let model = SmallCNN(height: train.height, width: train.width, channels: train.channels,
                             classCount: train.classCount, seed: seed)
        let logFile = try TrainingLog(path: log)
        defer { logFile.discard() }
        let trainer = Trainer(model: model, configuration: configuration)
        eprint("training SmallCNN (\(model.parameterCount) parameters) for \(epochs) epochs, codec \(trainCodec), test codec \(evalCodec)")
        eprint("rows so far go to \(logFile.temporaryPath) until training ends")
        print("epoch  train_loss  train_acc  test_acc  test_acc_codec  seconds")
        do {
            try runEpochs(trainer, on: train, test: test, codecTest: codecTest, log: logFile)
        } catch let error as TrainingError {
            eprint("")
            throw TrainFailure(reason: "\(error)", output: output, log: log)
        }
        let weights = try Checkpoint.stage(model, to: output)
        try weights.commit()
        try logFile.commit()
        eprint("wrote \(output) and \(log)")
    }

    /// Runs the epochs, printing progress and appending each epoch's row to `log`.
    private func runEpochs(_ trainer: Trainer, on train: LabeledImages, test: LabeledImages, codecTest: LabeledImages?,
                       log logFile: TrainingLog) throws {
        try trainer.train(
            on: train, test: test, codecTest: codecTest,
            onStep: { p in
                eprint(String(format: "\repoch %d  step %d/%d  loss %.4f  acc %.4f  %.0f samples/s",
                              p.epoch, p.step, p.steps, p.loss, p.accuracy, p.samplesPerSecond), terminator: "")
            },
            onEpoch: { r in
                eprint("")
                print(String(format: "%5d  %10.4f  %9.4f  %8.4f  %14.4f  %7.1f",
                             r.epoch, r.trainLoss, r.trainAccuracy, r.testAccuracy, r.testAccuracyCodec, r.seconds))
                fflush(stdout)
                try logFile.append(r)
            })
    }
}

/// Training stopped before the end; the destinations were not touched.
struct TrainFailure: Error, CustomStringConvertible {
    let reason: String
    let output: String
    let log: String
    var description: String { "\(reason); nothing was written, '\(output)' and '\(log)' are as they were" }
}

/// Prints to standard error.
func eprint(_ message: String, terminator: String = "\n") {
    try? AtomicFile.writeAll(Array((message + terminator).utf8), to: 2, path: "standard error")
}

/// The dataset options shared by `train` and `poison`.
struct DataOptions: ParsableArguments {
    @Option(help: "Dataset: fashion-mnist (default folder /usr/share/datasets/fashion-mnist) or cifar10 (needs --data).")
    var dataset: DatasetName = .fashionMNIST

    @Option(help: "Folder holding the dataset files; overrides the dataset's default folder.")
    var data: String?

    @Option(name: .customLong("train-dir"), help: "Folder holding a poisoned training set written by 'sanitize poison' (checked against its poison.txt). The test set still comes from --data.")
    var trainDir: String?

    @Option(help: "Use only the first N training images (for quick runs); 0 means all.")
    var limit: Int = 0

    @Option(help: "Folder of the codec cache (default $SANITIZE_CACHE, else $XDG_CACHE_HOME/sanitize/codec, else ~/.cache/sanitize/codec).")
    var cache: String?

    func validate() throws {
        guard limit >= 0 else { throw ValidationError("--limit must be 0 or more, got \(limit)") }
        guard data != nil || dataset.defaultDirectory != nil else {
            throw ValidationError("--dataset \(dataset.rawValue) has no default folder; pass --data DIR (the cifar-10-batches-bin folder)")
        }
    }

    /// The folder the test set (and, without --train-dir, the training set) is read from.
    var directory: String { data ?? dataset.defaultDirectory ?? "." }

    /// Where the training set comes from, for messages.
    var trainSource: String { trainDir ?? directory }

    /// The cache-key tag of the training set: `clean`, or the last path component of --train-dir.
    var trainTag: String { trainDir.map { PlatformPath.lastComponent($0) } ?? "clean" }

    /// The codec cache folder.
    var cacheDirectory: String { cache ?? CodecCache.defaultDirectory }

    /// Checks that --train-dir, when given, is a complete set written by `sanitize poison`.
    ///
    /// - Throws: `PoisonedSetError.incomplete` saying to rerun `sanitize poison`.
    func verifyTrainDir() throws {
        if let trainDir { try PoisonedSet.verify(trainDir) }
    }

    /// Loads and validates the training set (from --train-dir when given, after `verifyTrainDir`,
    /// cut to --limit) and the test set.
    func load() throws -> (train: LabeledImages, test: LabeledImages) {
        try verifyTrainDir()
        var train = try dataset.load(.train, from: trainSource)
        if limit > 0 { train = train.prefix(limit) }
        let test = try dataset.load(.test, from: directory)
        guard train.count > 0, test.count > 0 else {
            throw TrainingError.unusableData(reason: "the training set (\(trainSource)) holds \(train.count) images and the test set (\(directory)) \(test.count); both need at least one")
        }
        guard train.height % 4 == 0, train.width % 4 == 0 else {
            throw TrainingError.unusableData(reason: "images of \(train.width)×\(train.height) in \(trainSource): SmallCNN needs sides divisible by 4 (two 2×2 pools)")
        }
        guard train.height == test.height, train.width == test.width, train.channels == test.channels else {
            throw TrainingError.unusableData(reason: "training images are \(train.width)×\(train.height)×\(train.channels) but test images are \(test.width)×\(test.height)×\(test.channels)")
        }
        return (train, test)
    }
}
