import Datasets
import Foundation
import Tensors

/// How `Trainer` trains: epochs, batch, optimizer, schedule and seed.
public struct TrainingConfiguration: Equatable, Sendable {
    /// Passes over the training set.
    public var epochs: Int
    /// Samples per step; the last partial batch of an epoch is dropped so every step has the
    /// same batch-norm statistics quality (as PyTorch's `drop_last=True`).
    public var batchSize: Int
    /// Update rule.
    public var optimizer: OptimizerKind
    /// Learning rate as a function of the step.
    public var schedule: LearningRateSchedule
    /// Seeds the initial weights and every epoch's shuffle.
    public var seed: UInt64

    /// Every field given.
    public init(epochs: Int, batchSize: Int, optimizer: OptimizerKind, schedule: LearningRateSchedule, seed: UInt64) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.schedule = schedule
        self.seed = seed
    }

    /// The default recipe: Adam, one-cycle with peak 2e-3 and 15% warm-up, batch 128.
    ///
    /// Chosen because it reaches ≥ 90% on Fashion-MNIST within 3–4 epochs (see TRAINING-NOTES.md),
    /// the same recipe as `Scripts/anchors/train_torch.py`.
    public static func standard(epochs: Int, seed: UInt64) -> TrainingConfiguration {
        TrainingConfiguration(epochs: epochs, batchSize: 128, optimizer: .adam(weightDecay: 0),
                              schedule: .oneCycle(peak: 2e-3, warmup: 0.15), seed: seed)
    }
}

/// Progress inside an epoch, reported every few steps.
public struct StepProgress: Sendable {
    /// 1-based epoch.
    public var epoch: Int
    /// Steps done in this epoch and steps per epoch.
    public var step: Int, steps: Int
    /// Running mean loss and accuracy over the epoch so far.
    public var loss: Double, accuracy: Double
    /// Training samples per second so far in this epoch.
    public var samplesPerSecond: Double
}

/// Trains a `SmallCNN` and measures it.
public final class Trainer {
    /// The model being trained (updated in place).
    public let model: SmallCNN
    /// The recipe.
    public let configuration: TrainingConfiguration
    private let optimizer: any Optimizer
    private var globalStep = 0

    /// A trainer for `model`.
    public init(model: SmallCNN, configuration: TrainingConfiguration) {
        self.model = model
        self.configuration = configuration
        optimizer = configuration.optimizer.make(parameters: model.parameters.map(\.tensor))
    }

    // MARK: - Training

    /// Trains for `configuration.epochs` epochs on `train`, evaluating on `test` (clean) and
    /// `codecTest` (the test set through the test codec, or nil) after each epoch.
    ///
    /// After every step the loss and every parameter and buffer are checked: as soon as one is
    /// NaN or ±∞, the model is put back to its state at the end of the last completed epoch (the
    /// initial weights during the first) and `TrainingError.diverged` is thrown. The checks only
    /// read the values, so a run that does not diverge is unchanged bit for bit.
    ///
    /// - Parameters:
    ///   - onStep: called about every `reportEvery` steps with running statistics.
    ///   - onEpoch: called with each finished epoch's record; a throw stops training.
    /// - Returns: one record per epoch.
    /// - Throws: `TrainingError.diverged` naming the epoch and step, or what `onEpoch` throws.
    @discardableResult
    public func train(on train: LabeledImages, test: LabeledImages, codecTest: LabeledImages?,
                      reportEvery: Int = 50,
                      onStep: (StepProgress) -> Void = { _ in },
                      onEpoch: (EpochRecord) throws -> Void = { _ in }) throws -> [EpochRecord] {
        precondition(train.count >= configuration.batchSize,
                     "training needs at least one batch of \(configuration.batchSize), got \(train.count) images")
        let stepsPerEpoch = train.count / configuration.batchSize
        let totalSteps = stepsPerEpoch * configuration.epochs
        var records = [EpochRecord]()
        for epoch in 0 ..< configuration.epochs {
            let order = EpochOrder.permutation(count: train.count, seed: configuration.seed, epoch: epoch)
            let lastGood = model.stateDict.map { $0.tensor.detached() }
            let start = DispatchTime.now().uptimeNanoseconds
            var lossSum = 0.0, correct = 0, seen = 0
            for step in 0 ..< stepsPerEpoch {
                let indices = order[step * configuration.batchSize ..< (step + 1) * configuration.batchSize]
                let rate = configuration.schedule.rate(step: globalStep, totalSteps: totalSteps)
                let (loss, hits) = self.step(Batch.make(train, indices: indices), rate: rate)
                globalStep += 1
                if let problem = loss.isFinite ? Self.firstNonFinite(in: model) : "the loss is \(loss)" {
                    for ((_, tensor), saved) in zip(model.stateDict, lastGood) { tensor.assign(saved) }
                    throw TrainingError.diverged(epoch: epoch + 1, step: step + 1, steps: stepsPerEpoch,
                                                 learningRate: rate, what: problem)
                }
                lossSum += Double(loss) * Double(indices.count)
                correct += hits
                seen += indices.count
                if (step + 1) % reportEvery == 0 || step + 1 == stepsPerEpoch {
                    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                    onStep(StepProgress(epoch: epoch + 1, step: step + 1, steps: stepsPerEpoch,
                                        loss: lossSum / Double(seen), accuracy: Double(correct) / Double(seen),
                                        samplesPerSecond: Double(seen) / max(seconds, 1e-9)))
                }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let testAccuracy = accuracy(on: test)
            let codecAccuracy = codecTest.map { accuracy(on: $0) } ?? testAccuracy
            let record = EpochRecord(epoch: epoch + 1, trainLoss: lossSum / Double(seen),
                                     trainAccuracy: Double(correct) / Double(seen), testAccuracy: testAccuracy,
                                     testAccuracyCodec: codecAccuracy, seconds: seconds)
            records.append(record)
            try onEpoch(record)
        }
        return records
    }

    /// One optimisation step on a batch; returns the batch's mean loss and its correct count.
    public func step(_ batch: (images: Tensor, labels: [Int]), rate: Float) -> (loss: Float, correct: Int) {
        optimizer.zeroGradients()
        let logits = model.logits(batch.images, training: true)
        let loss = logits.crossEntropy(labels: batch.labels)
        loss.backward()
        optimizer.learningRate = rate
        optimizer.step()
        let predictions = logits.argmax()
        return (loss.item, zip(predictions, batch.labels).filter { $0 == $1 }.count)
    }

    /// `"NAME holds VALUE at index I"` for the first parameter or buffer of `model` holding NaN
    /// or ±∞, or nil when all are finite.
    static func firstNonFinite(in model: SmallCNN) -> String? {
        Checkpoint.firstNonFinite(model.stateDict).map { "\($0.name) holds \($0.value) at index \($0.index)" }
    }

    // MARK: - Evaluation

    /// Top-1 accuracy (0–1) of `model` in inference mode on `set`, in batches of `batchSize`.
    public static func accuracy(of model: SmallCNN, on set: LabeledImages, batchSize: Int = 500) -> Double {
        guard set.count > 0 else { return 0 }
        var correct = 0
        withoutGradients {
            for range in Batch.ranges(count: set.count, size: batchSize) {
                let batch = Batch.make(set, indices: Array(range)[...])
                let predictions = model.logits(batch.images, training: false).argmax()
                correct += zip(predictions, batch.labels).filter { $0 == $1 }.count
            }
        }
        return Double(correct) / Double(set.count)
    }

    /// Top-1 accuracy of the trained model on `set`.
    public func accuracy(on set: LabeledImages) -> Double { Self.accuracy(of: model, on: set) }
}
