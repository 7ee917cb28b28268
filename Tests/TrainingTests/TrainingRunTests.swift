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
}
