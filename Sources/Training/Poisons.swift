import Datasets
import Tensors

/// The two availability poisons of `sanitize poison` and their settings.
public enum PoisonMethod: String, Sendable, CaseIterable {
    /// Fowl et al. 2021, "Adversarial Examples Make Strong Poisons": class-targeted PGD against
    /// a surrogate trained on clean data; every image is pushed towards class (y + 1) mod K.
    case adversarial
    /// Huang et al. 2021, "Unlearnable Examples": sample-wise error-minimising noise found by
    /// the bi-level min-min procedure.
    case unlearnable
}

/// Settings of a poison run; defaults are sized for two CPU cores (see TRAINING-NOTES.md).
public struct PoisonConfiguration: Sendable {
    /// L∞ budget in 8-bit levels (8 = ±8/255, the budget of both papers on CIFAR-10).
    public var epsilon: Float = 8
    /// PGD steps per image per pass. Fowl et al. use 250 and Huang et al. 20 per inner loop; 10
    /// keeps a Fashion-MNIST pass within minutes on two cores.
    public var steps: Int = 10
    /// PGD step in 8-bit levels; eps/4 lets 10 steps cross the budget 2.5 times.
    public var stepSize: Float = 2
    /// Images per PGD batch.
    public var batchSize: Int = 256
    /// `adversarial`: epochs of clean training for the surrogate (standard recipe).
    public var surrogateEpochs: Int = 2
    /// `unlearnable`: at most this many rounds of (model steps, then PGD on every sample).
    public var maxRounds: Int = 10
    /// `unlearnable`: Adam steps of the crafting model on x + δ per round (Huang et al.: 10).
    public var modelSteps: Int = 10
    /// `unlearnable`: stop once the crafting model classifies at least this fraction of the
    /// poisoned images correctly (Huang et al. stop at 99%).
    public var stopAccuracy: Double = 0.99
    /// Seeds the surrogate, the random starts and the batch order.
    public var seed: UInt64 = 0

    /// The defaults.
    public init() {}
}

/// Progress of a poison run, for the command line.
public struct PoisonProgress: Sendable {
    /// What is running: `surrogate`, `pgd` or `min-min pass N`.
    public var phase: String
    /// Images done and total in this phase.
    public var done: Int, total: Int
    /// The mean loss of the last batch (targeted or true-label cross-entropy), when known.
    public var loss: Double
}

/// Crafting the poisons.
public enum Poisons {
    // MARK: - Adversarial poisoning (Fowl et al. 2021)

    /// Class-targeted PGD: for each image, minimise the cross-entropy of the surrogate towards
    /// class (y + 1) mod K within ±eps, starting from a uniform random point of the ball.
    ///
    /// Fowl et al. found class-targeted perturbations with a fixed class permutation to be the
    /// strongest variant; the surrogate is a `SmallCNN` in inference mode.
    public static func adversarial(_ clean: LabeledImages, surrogate: SmallCNN, configuration: PoisonConfiguration,
                                   onProgress: (PoisonProgress) -> Void = { _ in }) -> LabeledImages {
        var generator = SeededGenerator(seed: configuration.seed &+ 1)
        var perturbation = Perturbation(clean: clean, epsilon: configuration.epsilon, randomStart: true, generator: &generator)
        let all = Array(0 ..< clean.count)
        for range in Batch.ranges(count: clean.count, size: configuration.batchSize) {
            let indices = all[range]
            let targets = indices.map { (Int(clean.labels[$0]) + 1) % clean.classCount }
            var loss: Float = 0
            for _ in 0 ..< configuration.steps {
                let result = InputGradient.crossEntropy(model: surrogate, pixels: perturbation.perturbedPixels(indices), labels: targets)
                loss = result.loss
                perturbation.step(indices, gradient: result.gradient, stepSize: configuration.stepSize, direction: -1)
            }
            onProgress(PoisonProgress(phase: "pgd", done: range.upperBound, total: clean.count, loss: Double(loss) / Double(indices.count)))
        }
        return perturbation.poisoned()
    }

    /// Trains the surrogate of the adversarial poison on clean data with the standard recipe.
    ///
    /// - Throws: `TrainingError.diverged` if the surrogate's training diverges.
    public static func trainSurrogate(_ clean: LabeledImages, configuration: PoisonConfiguration,
                                      onProgress: (PoisonProgress) -> Void = { _ in }) throws -> SmallCNN {
        let model = SmallCNN(height: clean.height, width: clean.width, channels: clean.channels,
                             classCount: clean.classCount, seed: configuration.seed)
        var recipe = TrainingConfiguration.standard(epochs: configuration.surrogateEpochs, seed: configuration.seed)
        recipe.batchSize = max(1, min(recipe.batchSize, clean.count))
        let trainer = Trainer(model: model, configuration: recipe)
        let perEpoch = (clean.count / recipe.batchSize) * recipe.batchSize
        try trainer.train(on: clean, test: clean.prefix(0), codecTest: nil, onStep: { p in
            onProgress(PoisonProgress(phase: "surrogate epoch \(p.epoch)", done: p.step * recipe.batchSize, total: perEpoch, loss: p.loss))
        }, onEpoch: { _ in })
        return model
    }

    // MARK: - Unlearnable examples (Huang et al. 2021)

    /// Sample-wise error-minimising noise by alternating minimisation (min-min), as Huang et al.
    /// run it: each round trains the crafting model for `modelSteps` batches of x + δ (training
    /// mode, Adam), then takes `steps` PGD steps on every sample that *decrease* its true-label
    /// loss (inference mode). Rounds stop once the crafting model classifies `stopAccuracy` of
    /// x + δ correctly, or after `maxRounds`. δ starts at zero.
    ///
    /// Because the model only ever sees a few batches before δ adapts to it, δ becomes the
    /// easiest feature to learn, which is what makes the examples unlearnable.
    public static func unlearnable(_ clean: LabeledImages, configuration: PoisonConfiguration,
                                   onProgress: (PoisonProgress) -> Void = { _ in }) -> LabeledImages {
        var generator = SeededGenerator(seed: configuration.seed &+ 2)
        var perturbation = Perturbation(clean: clean, epsilon: configuration.epsilon, randomStart: false, generator: &generator)
        let model = SmallCNN(height: clean.height, width: clean.width, channels: clean.channels,
                             classCount: clean.classCount, seed: configuration.seed &+ 3)
        let optimizer = Adam(parameters: model.parameters.map(\.tensor), learningRate: 1e-3)
        let modelBatch = min(128, clean.count)
        var cycle = 0, order = EpochOrder.permutation(count: clean.count, seed: configuration.seed &+ 4, epoch: 0), cursor = 0
        let all = Array(0 ..< clean.count)
        for round in 1 ... max(1, configuration.maxRounds) {
            var modelLoss: Float = 0
            for _ in 0 ..< configuration.modelSteps {
                if cursor + modelBatch > order.count {
                    cycle += 1
                    order = EpochOrder.permutation(count: clean.count, seed: configuration.seed &+ 4, epoch: cycle)
                    cursor = 0
                }
                let batch = perturbation.batch(order[cursor ..< cursor + modelBatch])
                cursor += modelBatch
                optimizer.zeroGradients()
                let loss = model.logits(batch.images, training: true).crossEntropy(labels: batch.labels)
                loss.backward()
                optimizer.step()
                modelLoss = loss.item
            }
            onProgress(PoisonProgress(phase: "min-min round \(round) model", done: clean.count, total: clean.count,
                                      loss: Double(modelLoss)))
            for range in Batch.ranges(count: clean.count, size: configuration.batchSize) {
                let indices = all[range]
                let labels = indices.map { Int(clean.labels[$0]) }
                var loss: Float = 0
                for _ in 0 ..< configuration.steps {
                    let result = InputGradient.crossEntropy(model: model, pixels: perturbation.perturbedPixels(indices), labels: labels)
                    loss = result.loss
                    perturbation.step(indices, gradient: result.gradient, stepSize: configuration.stepSize, direction: -1)
                }
                onProgress(PoisonProgress(phase: "min-min round \(round) noise", done: range.upperBound, total: clean.count,
                                          loss: Double(loss) / Double(indices.count)))
            }
            let accuracy = Trainer.accuracy(of: model, on: perturbation.poisoned())
            onProgress(PoisonProgress(phase: "min-min round \(round) accuracy \(accuracy)", done: clean.count, total: clean.count, loss: 0))
            if accuracy >= configuration.stopAccuracy { break }
        }
        return perturbation.poisoned()
    }
}
