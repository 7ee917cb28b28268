import _Support
import ArgumentParser
import Datasets
import Foundation
import Training

extension PoisonMethod: ExpressibleByArgument {}

/// `sanitize poison`: writes a poisoned copy of the training set in the dataset's own format.
struct Poison: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "poison",
        abstract: "Write an availability-poisoned copy of the training set (adversarial or unlearnable).",
        discussion: """
            adversarial: Fowl et al. 2021, class-targeted PGD (towards class y+1 mod 10) against a \
            surrogate SmallCNN trained on the clean set. unlearnable: Huang et al. 2021, \
            sample-wise error-minimising noise by min-min: rounds of --model-steps training batches \
            of a crafting SmallCNN, then --steps PGD steps on every sample, until the crafting \
            model fits 99% of the noisy set or --max-rounds. Both stay \
            within an L-infinity budget of --eps 8-bit levels. The output folder holds \
            train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz (train on it with \
            'sanitize train --train-dir DIR') and poison.txt with the settings and each file's \
            size and CRC-32. The folder is built under a temporary name beside --output and \
            renamed into place only when complete; a previous poisoned set there is replaced.

            Example:
              sanitize poison --method unlearnable --eps 24 --output out/unlearnable
            """)

    @OptionGroup var data: DataOptions

    @Option(help: "Poison: adversarial (Fowl et al. 2021) or unlearnable (Huang et al. 2021).")
    var method: PoisonMethod

    @Option(help: "L-infinity budget in 8-bit levels (8 means ±8/255).")
    var eps: Int = 8

    @Option(help: "PGD steps per image (adversarial: in all; unlearnable: per round). Default: adversarial 100, unlearnable 20.")
    var steps: Int?

    @Option(name: .customLong("step-size"), help: "PGD step in 8-bit levels. Default: adversarial eps/10, unlearnable eps/10 (Huang et al.).")
    var stepSize: Float?

    @Option(name: .customLong("surrogate-epochs"), help: "adversarial: epochs of clean training for the surrogate.")
    var surrogateEpochs: Int = 2

    @Option(name: .customLong("max-rounds"), help: "unlearnable: at most this many min-min rounds (stops early at 99% crafting accuracy).")
    var maxRounds: Int = 10

    @Option(name: .customLong("model-steps"), help: "unlearnable: training batches of the crafting model per round (Huang et al.: 10).")
    var modelSteps: Int = 10

    @Option(help: "Seed for the surrogate or crafting model, the random starts and the batch order.")
    var seed: UInt64 = 0

    @Option(help: "Folder to write the poisoned training set to (created if needed; a previous poisoned set there is replaced).")
    var output: String

    func validate() throws {
        try data.validate()
        guard data.dataset == .fashionMNIST else {
            throw ValidationError("--dataset \(data.dataset.rawValue): poisoned sets are written as gzip'd IDX, so only fashion-mnist is supported")
        }
        guard (1 ... 255).contains(eps) else { throw ValidationError("--eps must be in 1…255, got \(eps)") }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1, got \(steps)") }
        if let stepSize, !(stepSize > 0 && stepSize.isFinite) { throw ValidationError("--step-size must be positive, got \(stepSize)") }
        guard surrogateEpochs >= 1 else { throw ValidationError("--surrogate-epochs must be at least 1, got \(surrogateEpochs)") }
        guard maxRounds >= 1 else { throw ValidationError("--max-rounds must be at least 1, got \(maxRounds)") }
        guard modelSteps >= 1 else { throw ValidationError("--model-steps must be at least 1, got \(modelSteps)") }
        guard !output.isEmpty else { throw ValidationError("--output is empty; give the folder to write the poisoned set to") }
        do {
            try PoisonedSet.checkReplaceable(output)
        } catch {
            throw ValidationError("--output: \(error)")
        }
        try OutputFiles.checkCreatableFolder(output, option: "--output")
    }

    func run() throws {
        try data.verifyTrainDir()
        var clean = try data.dataset.load(.train, from: data.trainSource)
        if data.limit > 0 { clean = clean.prefix(data.limit) }
        guard clean.count > 0 else { throw TrainingError.unusableData(reason: "the training set (\(data.trainSource)) holds no images") }
        guard clean.height % 4 == 0, clean.width % 4 == 0 else {
            throw TrainingError.unusableData(reason: "images of \(clean.width)×\(clean.height) in \(data.trainSource): SmallCNN needs sides divisible by 4 (two 2×2 pools)")
        }
        var configuration = PoisonConfiguration()
        configuration.epsilon = Float(eps)
        let steps = self.steps ?? (method == .adversarial ? 100 : 20)
        configuration.steps = steps
        configuration.stepSize = stepSize ?? Float(eps) / 10
        configuration.surrogateEpochs = surrogateEpochs
        configuration.maxRounds = maxRounds
        configuration.modelSteps = modelSteps
        configuration.seed = seed
        eprint("crafting \(method.rawValue) poison for \(clean.count) images: eps \(eps), \(steps) steps of \(configuration.stepSize)")
        let start = Date()
        let report: (PoisonProgress) -> Void = { p in
            eprint(String(format: "\r%@  %d/%d  loss %.4f   ", p.phase, p.done, p.total, p.loss), terminator: p.done == p.total ? "\n" : "")
        }
        let poisoned: LabeledImages
        switch method {
        case .adversarial:
            let surrogate = try Poisons.trainSurrogate(clean, configuration: configuration, onProgress: report)
            eprint("surrogate accuracy on the clean training images: \(String(format: "%.4f", Trainer.accuracy(of: surrogate, on: clean)))")
            poisoned = Poisons.adversarial(clean, surrogate: surrogate, configuration: configuration, onProgress: report)
        case .unlearnable:
            poisoned = Poisons.unlearnable(clean, configuration: configuration, onProgress: report)
        }
        let changes = zip(poisoned.pixels, clean.pixels).map { abs(Int($0) - Int($1)) }
        let maxChange = changes.max() ?? 0
        let meanChange = Double(changes.reduce(0, +)) / Double(max(changes.count, 1))
        guard maxChange <= eps else {
            throw TrainingError.poisonOutsideBudget(maxChange: maxChange, eps: eps)
        }
        let seconds = Date().timeIntervalSince(start)
        let settings: [(key: String, value: String)] = [
            ("method", method.rawValue), ("images", "\(clean.count)"), ("eps", "\(eps)"), ("steps", "\(steps)"),
            ("step_size", "\(configuration.stepSize)"),
            ("surrogate_epochs", "\(method == .adversarial ? surrogateEpochs : 0)"),
            ("max_rounds", "\(method == .unlearnable ? maxRounds : 0)"),
            ("model_steps", "\(method == .unlearnable ? modelSteps : 0)"),
            ("seed", "\(seed)"), ("source", data.trainSource), ("max_change", "\(maxChange)"),
            ("mean_abs_change", String(format: "%.4f", meanChange)), ("seconds", String(format: "%.1f", seconds)),
        ]
        try PoisonedSet.write(poisoned, settings: settings, to: output)
        print("wrote \(poisoned.count) poisoned images to \(output): max |change| \(maxChange), mean |change| \(String(format: "%.3f", meanChange)) levels, \(String(format: "%.0f", seconds)) s")
    }
}
