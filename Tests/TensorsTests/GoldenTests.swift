import Tensors
import XCTest

/// Forward values (and gradients of `Σ output·upstream`) against PyTorch 2.x, from
/// `Scripts/reference/tensor_golden.py`. Tolerances: relative 1e-4 plus absolute 1e-5 (Float32
/// summation order differs between the two implementations; values are O(1)).
final class GoldenTests: XCTestCase {
    var golden: [String: Tensor] = [:]

    override func setUpWithError() throws {
        golden = try Golden.load()
    }

    /// Gradients of `Σ output · upstream` for every input, without touching the inputs' `grad`.
    private func gradients(of output: Tensor, upstream: Tensor, _ inputs: [Tensor]) -> [Tensor?] {
        output.backward(seed: upstream)
        return inputs.map(\.grad)
    }

    // MARK: - Convolution

    func testConvolutions() throws {
        let names = ["conv_plain", "conv_grouped_asym", "conv_depthwise5_same_s2", "conv_depthwise3_same_s1",
                     "conv_pointwise", "conv_stem_same_s2", "conv_rect_kernel"]
        for name in names {
            let x = try golden.golden("\(name).input"), w = try golden.golden("\(name).weight")
            let bias = golden["\(name).bias"]
            let pad = try golden.golden("\(name).padding").scalars.map { Int($0) }
            let sg = try golden.golden("\(name).stride_groups").scalars.map { Int($0) }
            for t in [x, w] + (bias.map { [$0] } ?? []) { t.requiresGrad = true }
            let padding = Padding2D.explicit(top: pad[0], left: pad[1], bottom: pad[2], right: pad[3])
            let y = x.conv2d(weight: w, bias: bias, stride: (sg[0], sg[1]), padding: padding, groups: sg[2])
            assertClose(y, try golden.golden("\(name).output"), "\(name) output")
            y.backward(seed: try golden.golden("\(name).upstream"))
            assertClose(try XCTUnwrap(x.grad), try golden.golden("\(name).grad_input"), "\(name) grad input")
            assertClose(try XCTUnwrap(w.grad), try golden.golden("\(name).grad_weight"), "\(name) grad weight")
            if let bias { assertClose(try XCTUnwrap(bias.grad), try golden.golden("\(name).grad_bias"), "\(name) grad bias") }
        }
    }

    /// The SAME cases again through `Padding2D.same`, which must resolve to the script's padding.
    func testSamePaddingMatchesTensorFlowRule() throws {
        for name in ["conv_depthwise5_same_s2", "conv_depthwise3_same_s1", "conv_stem_same_s2"] {
            let x = try golden.golden("\(name).input"), w = try golden.golden("\(name).weight")
            let sg = try golden.golden("\(name).stride_groups").scalars.map { Int($0) }
            let y = x.conv2d(weight: w, bias: golden["\(name).bias"], stride: (sg[0], sg[1]), padding: .same, groups: sg[2])
            assertClose(y, try golden.golden("\(name).output"), "\(name) with .same")
        }
    }

    // MARK: - Batch norm

    func testBatchNormTraining() throws {
        let x = try golden.golden("bn_train.input"), gamma = try golden.golden("bn_train.weight"), beta = try golden.golden("bn_train.bias")
        let runningMean = try golden.golden("bn_train.running_mean_before"), runningVariance = try golden.golden("bn_train.running_var_before")
        for t in [x, gamma, beta] { t.requiresGrad = true }
        let y = x.batchNorm(runningMean: runningMean, runningVariance: runningVariance, weight: gamma, bias: beta,
                            training: true, momentum: 0.1, epsilon: 1e-5)
        assertClose(y, try golden.golden("bn_train.output"), "output")
        assertClose(runningMean, try golden.golden("bn_train.running_mean_after"), "running mean")
        assertClose(runningVariance, try golden.golden("bn_train.running_var_after"), "running variance (unbiased)")
        let grads = gradients(of: y, upstream: try golden.golden("bn_train.upstream"), [x, gamma, beta])
        assertClose(try XCTUnwrap(grads[0]), try golden.golden("bn_train.grad_input"), relative: 1e-3, absolute: 1e-4, "grad input")
        assertClose(try XCTUnwrap(grads[1]), try golden.golden("bn_train.grad_weight"), "grad weight")
        assertClose(try XCTUnwrap(grads[2]), try golden.golden("bn_train.grad_bias"), "grad bias")
    }

    func testBatchNormInference() throws {
        let x = try golden.golden("bn_eval.input"), gamma = try golden.golden("bn_eval.weight"), beta = try golden.golden("bn_eval.bias")
        for t in [x, gamma, beta] { t.requiresGrad = true }
        let y = x.batchNorm(runningMean: try golden.golden("bn_eval.running_mean"), runningVariance: try golden.golden("bn_eval.running_var"),
                            weight: gamma, bias: beta, training: false, epsilon: 1e-3)
        assertClose(y, try golden.golden("bn_eval.output"), "output")
        let grads = gradients(of: y, upstream: try golden.golden("bn_eval.upstream"), [x, gamma, beta])
        assertClose(try XCTUnwrap(grads[0]), try golden.golden("bn_eval.grad_input"), "grad input")
        assertClose(try XCTUnwrap(grads[1]), try golden.golden("bn_eval.grad_weight"), "grad weight")
        assertClose(try XCTUnwrap(grads[2]), try golden.golden("bn_eval.grad_bias"), "grad bias")
    }

    // MARK: - Pooling

    func testPooling() throws {
        let cases: [(String, (Tensor) -> Tensor)] = [
            ("maxpool_k3_s2_p1", { $0.maxPool2d(kernel: (3, 3), stride: (2, 2), padding: .symmetric(1)) }),
            ("maxpool_k2_s2", { $0.maxPool2d(kernel: (2, 2)) }),
            ("avgpool_k3_s2_p1", { $0.avgPool2d(kernel: (3, 3), stride: (2, 2), padding: .symmetric(1)) }),
            ("avgpool_k2_s2", { $0.avgPool2d(kernel: (2, 2), stride: (2, 2)) }),
        ]
        for (name, pool) in cases {
            let x = try golden.golden("\(name).input")
            x.requiresGrad = true
            let y = pool(x)
            assertClose(y, try golden.golden("\(name).output"), "\(name) output")
            y.backward(seed: try golden.golden("\(name).upstream"))
            assertClose(try XCTUnwrap(x.grad), try golden.golden("\(name).grad_input"), "\(name) grad input")
        }
        assertClose(try golden.golden("global_avgpool.input").globalAveragePool(), try golden.golden("global_avgpool.output"), "global average pool")
    }

    // MARK: - Losses and linear

    func testCrossEntropyAndSoftmax() throws {
        let logits = try golden.golden("ce.logits")
        let labels = try golden.golden("ce.labels").scalars.map { Int($0) }
        logits.requiresGrad = true
        let loss = logits.crossEntropy(labels: labels)
        XCTAssertEqual(loss.shape, [])
        assertClose(loss, try golden.golden("ce.loss_mean"), "mean loss")
        loss.backward()
        assertClose(try XCTUnwrap(logits.grad), try golden.golden("ce.grad_logits_mean"), "grad logits")
        assertClose(logits.crossEntropy(labels: labels, reduction: .none), try golden.golden("ce.loss_none"), "per-sample loss")
        assertClose(logits.softmax(), try golden.golden("ce.softmax"), "softmax")
        assertClose(logits.logSoftmax(), try golden.golden("ce.log_softmax"), "log-softmax")
    }

    func testLinear() throws {
        let x = try golden.golden("linear.input"), w = try golden.golden("linear.weight"), b = try golden.golden("linear.bias")
        for t in [x, w, b] { t.requiresGrad = true }
        let y = x.linear(weight: w, bias: b)
        assertClose(y, try golden.golden("linear.output"), "output")
        let grads = gradients(of: y, upstream: try golden.golden("linear.upstream"), [x, w, b])
        assertClose(try XCTUnwrap(grads[0]), try golden.golden("linear.grad_input"), "grad input")
        assertClose(try XCTUnwrap(grads[1]), try golden.golden("linear.grad_weight"), "grad weight")
        assertClose(try XCTUnwrap(grads[2]), try golden.golden("linear.grad_bias"), "grad bias")
    }

    // MARK: - Optimizers

    /// Five steps on `L = Σ (c·p²/2 + d·p)` with the hyperparameters of the script.
    func testOptimizerTrajectories() throws {
        let c = try golden.golden("optim.c"), d = try golden.golden("optim.d")
        let makers: [(String, (Tensor) -> Optimizer)] = [
            ("sgd_plain", { SGD(parameters: [$0], learningRate: 0.1) }),
            ("sgd_momentum", { SGD(parameters: [$0], learningRate: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01) }),
            ("sgd_nesterov", { SGD(parameters: [$0], learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true) }),
            ("adam", { Adam(parameters: [$0], learningRate: 0.05, weightDecay: 0.01) }),
            ("adamw", { AdamW(parameters: [$0], learningRate: 0.05, weightDecay: 0.1) }),
        ]
        for (name, make) in makers {
            let p = try golden.golden("optim.p0").detached()
            p.requiresGrad = true
            let optimizer = make(p)
            var trajectory: [Float] = []
            for _ in 0..<5 {
                optimizer.zeroGradients()
                (c * p * p * 0.5 + d * p).sum().backward()
                optimizer.step()
                trajectory += p.scalars
            }
            assertClose(Tensor(shape: [5, p.count], scalars: trajectory), try golden.golden("optim.\(name)"),
                        relative: 1e-5, absolute: 1e-6, name)
        }
    }
}

// MARK: - A small CNN end to end

extension GoldenTests {
    /// PyTorch's small CNN, loaded from its (layout-converted) state dict, trained 3 SGD steps
    /// with momentum in training mode: the losses, every parameter and buffer afterwards, and the
    /// eval-mode logits match. This exercises modules, state dicts, batch-norm statistics, the tape
    /// through every layer, and the optimizer together.
    func testSmallCNNTrainingMatchesPyTorch() throws {
        var generator = SeededGenerator(seed: 0)
        let model = Sequential(
            Conv2d(inChannels: 1, outChannels: 4, kernel: (3, 3), padding: .symmetric(1), bias: false, generator: &generator),
            BatchNorm2d(channels: 4), Lambda.relu, Lambda.maxPool2d(kernel: (2, 2)), Lambda.flatten,
            Linear(inFeatures: 36, outFeatures: 3, generator: &generator))
        let names = model.stateDict().map(\.name)
        try model.loadStateDict(Dictionary(uniqueKeysWithValues: try names.map { ($0, try golden.golden("cnn.initial.\($0)")) }))
        let input = try golden.golden("cnn.input")
        let labels = try golden.golden("cnn.labels").scalars.map { Int($0) }
        let optimizer = SGD(parameters: model.parameters(), learningRate: 0.1, momentum: 0.9)
        var losses: [Float] = []
        for _ in 0..<3 {
            optimizer.zeroGradients()
            let loss = model(input).crossEntropy(labels: labels)
            loss.backward()
            optimizer.step()
            losses.append(loss.item)
        }
        assertClose(Tensor(shape: [3], scalars: losses), try golden.golden("cnn.losses"), "losses")
        for (name, tensor) in model.stateDict() {
            assertClose(tensor, try golden.golden("cnn.final.\(name)"), relative: 1e-4, absolute: 1e-5, name)
        }
        model.eval()
        assertClose(withoutGradients { model(input) }, try golden.golden("cnn.eval_logits"), "eval logits")
    }
}
