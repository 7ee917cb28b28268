import Datasets
import Foundation
import Tensors
import Training
import XCTest

final class TrainingRunTests: XCTestCase {
    /// Two epochs on 2,048 real Fashion-MNIST images must beat chance (10%) by a wide margin on
    /// 1,000 held-out test images; the full-data experiment (≥ 90%) is in TRAINING-NOTES.md.
    func testShortRunOnRealFashionMNISTBeatsChance() throws {
        let train = try FashionMNIST.load(.train).prefix(2048)
        let test = try FashionMNIST.load(.test).prefix(1000)
        let model = SmallCNN(widths: (16, 32), seed: 1)
        let trainer = Trainer(model: model, configuration: .standard(epochs: 2, seed: 1))
        let records = try trainer.train(on: train, test: test, codecTest: nil)
        XCTAssertEqual(records.map(\.epoch), [1, 2])
        let accuracy = records.last!.testAccuracy
        XCTAssertGreaterThan(accuracy, 0.65, "expected well above chance (0.10), observed \(accuracy)")
        XCTAssertLessThan(records.last!.trainLoss, records.first!.trainLoss, "loss should fall: \(records)")
    }

    /// The same seed gives bit-identical weights after training.
    func testTrainingIsDeterministic() throws {
        let train = try FashionMNIST.load(.test).prefix(256)
        func run() throws -> [Float] {
            let model = SmallCNN(widths: (4, 8), seed: 7)
            try Trainer(model: model, configuration: .standard(epochs: 1, seed: 7)).train(on: train, test: train.prefix(0), codecTest: nil)
            return model.stateDict.flatMap(\.tensor.scalars)
        }
        XCTAssertEqual(try run(), try run())
    }

    func testLogFileHasTheExactHeaderAndWholeRows() throws {
        let path = NSTemporaryDirectory() + "/train-\(UUID().uuidString).csv"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let log = try TrainingLog(path: path)
        try log.append(EpochRecord(epoch: 1, trainLoss: 0.51234567, trainAccuracy: 0.8, testAccuracy: 0.85,
                                   testAccuracyCodec: 0.84, seconds: 12.25))
        try log.commit()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(text, "epoch,train_loss,train_accuracy,test_accuracy,test_accuracy_codec,seconds\n1,0.512346,0.8,0.85,0.84,12.25\n")
    }

    func testCheckpointRoundTripsThroughSafetensors() throws {
        let path = NSTemporaryDirectory() + "/model-\(UUID().uuidString).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = SmallCNN(widths: (4, 8), seed: 3)
        try Checkpoint.save(model, to: path)
        let stored = try SafeTensors.read(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(Set(stored.keys), Set(model.stateDict.map(\.name)))
        for (name, tensor) in model.stateDict {
            XCTAssertEqual(stored[name]?.shape, tensor.shape, name)
            XCTAssertEqual(stored[name]?.scalars, tensor.scalars, name)
        }
    }

    // MARK: - Divergence

    /// 256 real images, a tiny network and a learning-rate schedule that jumps to 1e30 at `at`
    /// (a fraction of training), so that training diverges there.
    private func divergingRun(epochs: Int, jumpAt at: Float) throws -> (trainer: Trainer, train: LabeledImages) {
        let train = try FashionMNIST.load(.test).prefix(256)
        let model = SmallCNN(widths: (4, 8), seed: 5)
        let configuration = TrainingConfiguration(epochs: epochs, batchSize: 64, optimizer: .adam(weightDecay: 0),
                                                  schedule: .step(peak: 1e-3, at: [at], factor: 1e33), seed: 5)
        return (Trainer(model: model, configuration: configuration), train)
    }

    func testDivergenceInTheFirstEpochStopsAndRestoresTheInitialWeights() throws {
        let (trainer, train) = try divergingRun(epochs: 2, jumpAt: 0)
        let initial = SmallCNN(widths: (4, 8), seed: 5).stateDict.map(\.tensor.scalars)
        var epochs = 0
        XCTAssertThrowsError(try trainer.train(on: train, test: train.prefix(0), codecTest: nil, onEpoch: { _ in epochs += 1 })) { error in
            guard case let .diverged(epoch, step, steps, _, what)? = error as? TrainingError else {
                return XCTFail("expected TrainingError.diverged, got \(error)")
            }
            XCTAssertEqual(epoch, 1)
            XCTAssertEqual(steps, 4)
            XCTAssertLessThanOrEqual(step, 4)
            XCTAssertTrue(what.contains("nan") || what.contains("inf"), what)
            XCTAssertTrue("\(error)".contains("epoch 1, step \(step) of 4") && "\(error)".contains("--lr"), "\(error)")
        }
        XCTAssertEqual(epochs, 0, "no epoch may be reported after divergence")
        XCTAssertEqual(trainer.model.stateDict.map(\.tensor.scalars), initial, "the initial weights must be restored")
    }

    func testDivergenceInALaterEpochKeepsTheLastCompletedEpoch() throws {
        // 4 steps per epoch, 8 in all: the rate jumps from step 5 on (t = 5/7 ≥ 0.6), in epoch 2.
        let (trainer, train) = try divergingRun(epochs: 2, jumpAt: 0.6)
        var afterFirstEpoch: [[Float]] = []
        XCTAssertThrowsError(try trainer.train(on: train, test: train.prefix(0), codecTest: nil, onEpoch: { record in
            XCTAssertTrue(record.trainLoss.isFinite)
            afterFirstEpoch = trainer.model.stateDict.map { $0.tensor.withUnsafeBufferPointer { Array($0) } }
        })) { error in
            guard case let .diverged(epoch, _, _, rate, _)? = error as? TrainingError else {
                return XCTFail("expected TrainingError.diverged, got \(error)")
            }
            XCTAssertEqual(epoch, 2)
            XCTAssertEqual(rate, 1e30, accuracy: 1e24)
        }
        XCTAssertFalse(afterFirstEpoch.isEmpty)
        XCTAssertEqual(trainer.model.stateDict.map(\.tensor.scalars), afterFirstEpoch)
        XCTAssertTrue(trainer.model.stateDict.allSatisfy { $0.tensor.scalars.allSatisfy(\.isFinite) })
    }

    func testCheckpointRefusesNonFiniteWeightsAndKeepsTheOldFile() throws {
        let path = NSTemporaryDirectory() + "/model-\(UUID().uuidString).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let model = SmallCNN(widths: (4, 8), seed: 3)
        try Checkpoint.save(model, to: path)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        model.fcBias.withUnsafeMutableBufferPointer { $0[2] = .nan }
        XCTAssertThrowsError(try Checkpoint.save(model, to: path)) { error in
            guard case let .nonFiniteWeight(name, index, value)? = error as? TrainingError else {
                return XCTFail("expected TrainingError.nonFiniteWeight, got \(error)")
            }
            XCTAssertEqual(name, "fc.bias")
            XCTAssertEqual(index, 2)
            XCTAssertTrue(value.isNaN)
            XCTAssertTrue("\(error)".contains("fc.bias holds nan at index 2"), "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), good, "a good checkpoint must not be replaced")
        XCTAssertEqual(try leftovers(besides: path), [])
    }

    // MARK: - Staged log and weights

    private func leftovers(besides path: String) throws -> [String] {
        let name = (path as NSString).lastPathComponent
        return try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
            .filter { $0.hasPrefix(name + ".tmp-") }
    }

    /// Until both are committed, a rerun leaves the previous log and weights untouched; a
    /// discarded (failed) run removes its temporary files.
    func testLogAndWeightsStayThoseOfOneRun() throws {
        let directory = NSTemporaryDirectory() + "/run-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logPath = directory + "/train.csv", weightsPath = directory + "/model.safetensors"
        let record = EpochRecord(epoch: 1, trainLoss: 1, trainAccuracy: 0.5, testAccuracy: 0.5, testAccuracyCodec: 0.5, seconds: 1)

        let first = try TrainingLog(path: logPath)
        try first.append(record)
        let firstWeights = try Checkpoint.stage(SmallCNN(widths: (4, 8), seed: 1), to: weightsPath)
        try firstWeights.commit()
        try first.commit()
        let (oldLog, oldWeights) = (try Data(contentsOf: URL(fileURLWithPath: logPath)),
                                    try Data(contentsOf: URL(fileURLWithPath: weightsPath)))

        let second = try TrainingLog(path: logPath)
        try second.append(record)
        try second.append(record)
        XCTAssertEqual(try String(contentsOfFile: second.temporaryPath, encoding: .utf8).split(separator: "\n").count, 3,
                       "rows are flushed to the temporary log as they come")
        let secondWeights = try Checkpoint.stage(SmallCNN(widths: (4, 8), seed: 2), to: weightsPath)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: logPath)), oldLog)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: weightsPath)), oldWeights)
        secondWeights.discard()
        second.discard()
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: logPath)), oldLog)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: weightsPath)), oldWeights)
        XCTAssertEqual(try leftovers(besides: logPath) + leftovers(besides: weightsPath), [])
    }
}
