import ArgumentParser
import Datasets
import Foundation
import Tensors
import Training

/// `sanitize-bench train`: training throughput of the small CNN, to compare with the PyTorch
/// anchor `Benchmarks/anchors/train_torch.py bench` (same network, batch and optimizer).
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Measure SmallCNN training throughput in samples per second (median of many steps).",
        discussion: """
            Times full training steps (forward, backward, Adam update) on random batches of real \
            Fashion-MNIST images after a few warm-up steps, and prints the median and the \
            quartiles. The anchor is Benchmarks/anchors/train_torch.py bench: the same network, \
            batch and optimizer in PyTorch CPU with 2 threads, run with --python. The two are \
            interleaved for --rounds rounds, and the medians over rounds are compared (above 1 \
            means sanitize trains faster; the goal is at least 1).

            Example:
              sanitize-bench train --steps 30 --rounds 3
            """)

    @Option(help: "Timed steps (after 3 warm-up steps).")
    var steps: Int = 30

    @Option(name: .customLong("batch-size"), help: "Samples per step; 128 matches the training recipe and the anchor.")
    var batchSize: Int = 128

    @Option(help: "Rounds of (sanitize, then PyTorch); the median over rounds is reported.")
    var rounds: Int = 3

    @OptionGroup var anchorPython: AnchorOptions

    @Option(help: "Folder holding the Fashion-MNIST files.")
    var data: String = FashionMNIST.defaultDirectory

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1, got \(rounds)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
    }

    func run() throws {
        let set = try FashionMNIST.load(.train, from: data)
        let python = anchorPython.interpreter()
        var ours: [Double] = [], theirs: [Double] = []
        for round in 1 ... rounds {
            let rates = measure(set)
            func quantile(_ q: Double) -> Double { rates[min(rates.count - 1, Int(q * Double(rates.count - 1) + 0.5))] }
            ours.append(quantile(0.5))
            print(String(format: "round %d: sanitize SmallCNN batch=%d cores=%d: median %.0f samples/s (quartiles %.0f–%.0f) over %d steps",
                         round, batchSize, ProcessInfo.processInfo.activeProcessorCount, quantile(0.5), quantile(0.25),
                         quantile(0.75), steps))
            guard let python,
                  let text = PythonAnchor.run(python: python, script: "Benchmarks/anchors/train_torch.py",
                                              arguments: ["bench", "--batches", "\(steps)", "--batch", "\(batchSize)", "--threads", "2",
                                                          "--data", data]),
                  let rate = PythonAnchor.number(after: "median ", in: text) else { continue }
            theirs.append(rate)
            print(String(format: "round %d: PyTorch 2 threads: median %.0f samples/s", round, rate))
        }
        let oursMedian = ours.sorted()[ours.count / 2]
        guard !theirs.isEmpty else {
            print(String(format: "sanitize: %.0f samples/s (median of %d rounds); PyTorch anchor not measured", oursMedian, rounds))
            return
        }
        let anchorMedian = theirs.sorted()[theirs.count / 2]
        print(String(format: "sanitize %.0f samples/s, PyTorch %.0f samples/s (medians of %d rounds): %.2f× PyTorch's throughput (goal ≥ 1)",
                     oursMedian, anchorMedian, rounds, oursMedian / anchorMedian))
    }

    /// Samples per second of each timed training step, sorted, after 3 warm-up steps.
    private func measure(_ set: LabeledImages) -> [Double] {
        let model = SmallCNN(seed: 0)
        let trainer = Trainer(model: model, configuration: .standard(epochs: 1, seed: 0))
        var generator = SeededGenerator(seed: 0)
        var rates = [Double]()
        for step in 0 ..< steps + 3 {
            let indices = (0 ..< batchSize).map { _ in generator.nextIndex(below: set.count) }
            let start = DispatchTime.now().uptimeNanoseconds
            _ = trainer.step(Batch.make(set, indices: indices[...]), rate: 1e-3)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if step >= 3 { rates.append(Double(batchSize) / seconds) }
        }
        return rates.sorted()
    }
}
