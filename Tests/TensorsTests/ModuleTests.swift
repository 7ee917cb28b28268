import Foundation
import Tensors
import XCTest

/// Modules: dotted names, deterministic initialisation, state dicts through safetensors, modes,
/// and a small end-to-end training run.
final class ModuleTests: XCTestCase {
    private func makeModel(seed: UInt64) -> Sequential {
        var generator = SeededGenerator(seed: seed)
        return Sequential(
            Conv2d(inChannels: 1, outChannels: 4, kernel: (3, 3), padding: .symmetric(1), bias: false, generator: &generator),
            BatchNorm2d(channels: 4),
            Lambda.relu,
            Lambda.maxPool2d(kernel: (2, 2)),
            Lambda.flatten,
            Linear(inFeatures: 4 * 3 * 3, outFeatures: 2, generator: &generator))
    }

    func testDottedNamesFollowRegistrationOrder() {
        let model = makeModel(seed: 1)
        XCTAssertEqual(model.namedParameters().map(\.name), ["0.weight", "1.weight", "1.bias", "5.weight", "5.bias"])
        XCTAssertEqual(model.namedBuffers().map(\.name), ["1.running_mean", "1.running_var", "1.num_batches_tracked"])
        XCTAssertEqual(model.stateDict().count, 8)
        XCTAssertTrue(model.parameters().allSatisfy(\.requiresGrad))
        XCTAssertEqual(model.namedParameters()[0].tensor.shape, [3, 3, 1, 4])
        XCTAssertEqual(model.namedParameters()[3].tensor.shape, [2, 36])
    }

    func testInitialisationIsDeterministicAndWithinPyTorchBounds() {
        let a = makeModel(seed: 42), b = makeModel(seed: 42), c = makeModel(seed: 43)
        for ((name, x), (_, y)) in zip(a.namedParameters(), b.namedParameters()) {
            XCTAssertEqual(x.scalars, y.scalars, name)
        }
        XCTAssertNotEqual(a.namedParameters()[0].tensor.scalars, c.namedParameters()[0].tensor.scalars)
        let convBound = 1 / Float(9).squareRoot(), linearBound = 1 / Float(36).squareRoot()
        XCTAssertLessThanOrEqual(a.namedParameters()[0].tensor.scalars.map(abs).max()!, convBound)
        XCTAssertLessThanOrEqual(a.namedParameters()[3].tensor.scalars.map(abs).max()!, linearBound)
        XCTAssertGreaterThan(a.namedParameters()[3].tensor.scalars.map(abs).max()!, linearBound * 0.8, "uses the whole range")
    }

    func testStateDictRoundTripThroughSafeTensors() throws {
        let source = makeModel(seed: 5), target = makeModel(seed: 6)
        let input = randomTensor([2, 6, 6, 1], seed: 9)
        _ = source(input)  // training mode: updates the running statistics
        source.eval()
        target.eval()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("module-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafeTensors.write(source.stateDict(), metadata: ["seed": "5"], to: url)
        let report = try target.loadStateDict(SafeTensors.read(contentsOf: url))
        XCTAssertEqual(report.missing, [])
        XCTAssertEqual(report.unexpected, [])
        XCTAssertEqual(target(input).scalars, source(input).scalars)
    }

    func testLoadStateDictReportsNamesAndShapes() throws {
        let model = makeModel(seed: 1)
        var dict = Dictionary(uniqueKeysWithValues: model.stateDict().map { ($0.name, $0.tensor.detached()) })
        dict["1.running_var"] = nil
        dict["extra.weight"] = Tensor(1)
        XCTAssertThrowsError(try model.loadStateDict(dict)) { error in
            XCTAssertEqual(error as? StateDictError, .names(missing: ["1.running_var"], unexpected: ["extra.weight"]))
            XCTAssertTrue("\(error)".contains("1.running_var") && "\(error)".contains("extra.weight"))
        }
        let report = try model.loadStateDict(dict, strict: false)
        XCTAssertEqual(report.missing, ["1.running_var"])
        dict["5.bias"] = Tensor.zeros([3])
        XCTAssertThrowsError(try model.loadStateDict(dict, strict: false)) { error in
            XCTAssertEqual(error as? StateDictError, .shape(name: "5.bias", expected: [2], found: [3]))
        }
    }

    func testTrainAndEvalModes() {
        let model = makeModel(seed: 2)
        let batchNorm = model.layers[1] as! BatchNorm2d
        let input = randomTensor([2, 6, 6, 1], seed: 3)
        model.eval()
        XCTAssertFalse(batchNorm.isTraining)
        _ = model(input)
        XCTAssertEqual(batchNorm.runningMean.scalars, [0, 0, 0, 0], "inference leaves running statistics alone")
        model.train()
        _ = model(input)
        XCTAssertNotEqual(batchNorm.runningMean.scalars, [0, 0, 0, 0])
        XCTAssertEqual(batchNorm.batchesTracked.item, 1)
        let dropout = Dropout(probability: 0.5, seed: 1)
        dropout.eval()
        XCTAssertEqual(dropout(input).scalars, input.scalars)
    }

    /// Two well-separated classes of 6×6 images; a few SGD steps must reduce the loss a lot and
    /// classify the training set perfectly.
    func testSmallCNNLearnsSeparableData() {
        let model = makeModel(seed: 11)
        var generator = SeededGenerator(seed: 12)
        let count = 16
        var pixels: [Float] = []
        var labels: [Int] = []
        for i in 0..<count {
            let label = i % 2
            labels.append(label)
            for y in 0..<6 { for x in 0..<6 {
                let bright = label == 0 ? y < 3 : x < 3
                pixels.append((bright ? 1 : -1) + 0.3 * generator.nextNormal())
            } }
        }
        let images = Tensor(shape: [count, 6, 6, 1], scalars: pixels)
        let optimizer = SGD(parameters: model.parameters(), learningRate: 0.1, momentum: 0.9, nesterov: true)
        var losses: [Float] = []
        for _ in 0..<30 {
            optimizer.zeroGradients()
            let loss = model(images).crossEntropy(labels: labels)
            loss.backward()
            optimizer.step()
            losses.append(loss.item)
        }
        XCTAssertLessThan(losses.last!, losses.first! * 0.2, "losses \(losses)")
        model.eval()
        XCTAssertEqual(withoutGradients { model(images) }.argmax(), labels)
    }
}
