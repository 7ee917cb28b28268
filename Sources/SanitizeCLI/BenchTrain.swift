import ArgumentParser
import Datasets
import Foundation
import Tensors
import Training

/// `sanitize bench train`: training throughput of the small CNN, to compare with the PyTorch
/// anchor `Scripts/anchors/train_torch.py bench` (same network, batch and optimizer).
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Measure SmallCNN training throughput in samples per second (median of many steps).",
        discussion: """
            Times full training steps (forward, backward, Adam update) on random batches of real \
            Fashion-MNIST images after a few warm-up steps, and prints the median and the \
            quartiles. Compare with: /work/venv/bin/python Scripts/anchors/train_torch.py bench \
            --batches N --threads 2, run on the same idle machine.
            """)

    @Option(help: "Timed steps (after 3 warm-up steps).")
    var steps: Int = 30

    @Option(name: .customLong("batch-size"), help: "Samples per step; 128 matches the training recipe and the anchor.")
    var batchSize: Int = 128

    @Option(help: "Folder holding the Fashion-MNIST files.")
    var data: String = FashionMNIST.defaultDirectory

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
    }

    func run() throws {
        let set = try FashionMNIST.load(.train, from: data)
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
        rates.sort()
        func quantile(_ q: Double) -> Double { rates[min(rates.count - 1, Int(q * Double(rates.count - 1) + 0.5))] }
        print(String(format: "sanitize SmallCNN batch=%d cores=%d: median %.0f samples/s (quartiles %.0f–%.0f) over %d steps",
                     batchSize, ProcessInfo.processInfo.activeProcessorCount, quantile(0.5), quantile(0.25), quantile(0.75), steps))
    }
}
