import Dispatch
import _Kernels

// MARK: - Per-layer timings

/// The median time of one convolution of the fast path, forward and backward (input gradient).
public struct LayerTiming: Sendable {
    /// `stem`, `block3.expand`, `block3.depthwise`, `block3.project` or `head`.
    public let name: String
    /// The convolution's shape for the profiled batch.
    public let geometry: ConvGeometry
    /// Median forward milliseconds (convolution, bias and fused ReLU6), the layer run alone and
    /// repeatedly (warm caches).
    public let forwardMilliseconds: Double
    /// Median forward milliseconds of the same layer inside whole forward passes (including the
    /// residual add that follows a projection).
    public var inContextMilliseconds = 0.0
    /// Median milliseconds of the input-gradient convolution (`conv2dBackwardInput`).
    public let backwardMilliseconds: Double
}

/// Where the time of one forward (and backward) pass goes; all medians in milliseconds.
public struct ModelProfile: Sendable {
    /// Every convolution, in network order.
    public let layers: [LayerTiming]
    /// One whole inference forward pass (shared scratch buffers).
    public let forwardMilliseconds: Double
    /// The nine residual adds together.
    public let residualMilliseconds: Double
    /// Global average pooling and the 1280→1000 classifier.
    public let classifierMilliseconds: Double
    /// One whole forward pass that keeps every ReLU6 output for the backward pass.
    public let keepingForwardMilliseconds: Double
    /// The backward pass alone, from the logits to the input gradient.
    public let backwardMilliseconds: Double
    /// The backward pass by kind of step (`masks`, `depthwise convolutions`, …): the median over
    /// runs of each kind's total, in order of first appearance.
    public let backwardSteps: [(step: String, milliseconds: Double)]
}

extension EfficientNetLite0 {
    /// Times the fast path piece by piece for a batch of `batch` 224×224 images of arbitrary
    /// values, each piece the median of `runs` runs after one warm-up: every convolution alone
    /// and within whole passes, the plumbing between kernels (residual adds, pooling and
    /// classifier), and whole forward and backward passes. Comparing the sums with the whole
    /// passes shows what the layer plumbing costs.
    public func profile(batch: Int, runs: Int) -> ModelProfile {
        let ws = Workspace(network: folded, batch: max(1, batch), height: EfficientNetLite0Architecture.imageSide,
                           width: EfficientNetLite0Architecture.imageSide, keepsActivations: true)
        let inference = Workspace(network: folded, batch: ws.batch, height: ws.height, width: ws.width,
                                  keepsActivations: false)
        // Two buffers of the largest activation size: any layer's input, and any input gradient.
        let (gradient, anyInput, _) = ws.gradients!
        var timings: [LayerTiming] = []
        func time(_ body: () -> Void) -> Double {
            body()
            var samples: [Double] = []
            for _ in 0..<max(1, runs) {
                let start = DispatchTime.now().uptimeNanoseconds
                body()
                samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            }
            return samples.sorted()[samples.count / 2]
        }
        func profile(_ name: String, _ conv: FoldedConv, _ g: ConvGeometry,
                     _ input: UnsafeMutablePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
            let forward = time { conv.forward(g, input: input, output: output) }
            let backward = time { conv.backwardInput(g, gradOutput: output, gradInput: gradient) }
            timings.append(LayerTiming(name: name, geometry: g, forwardMilliseconds: forward, backwardMilliseconds: backward))
        }
        profile("stem", folded.stem, ws.stemGeometry, ws.input, ws.stemOutput)
        for (b, block) in folded.blocks.enumerated() {
            let g = ws.blockGeometries[b]
            if let expand = block.expand, let geometry = g.expand, let output = ws.expandOutputs[b] {
                profile("block\(b).expand", expand, geometry, anyInput, output)
            }
            profile("block\(b).depthwise", block.depthwise, g.depthwise, anyInput, ws.depthwiseOutputs[b])
            profile("block\(b).project", block.project, g.project, ws.depthwiseOutputs[b], ws.blockOutputs.1)
        }
        profile("head", folded.head, ws.headGeometry, anyInput, ws.headOutput)
        var stamps: [UInt64] = []
        stamps.reserveCapacity(timings.count + 1)
        var inContext = [[Double]](repeating: [], count: timings.count)
        for _ in 0..<max(1, runs) {
            stamps.removeAll(keepingCapacity: true)
            stamps.append(DispatchTime.now().uptimeNanoseconds)
            folded.forward(ws) { stamps.append(DispatchTime.now().uptimeNanoseconds) }
            for i in timings.indices { inContext[i].append(Double(stamps[i + 1] - stamps[i]) / 1e6) }
        }
        for i in timings.indices { timings[i].inContextMilliseconds = inContext[i].sorted()[inContext[i].count / 2] }
        let full = time { folded.forward(inference) }
        let residual = time {
            for (b, block) in folded.blocks.enumerated() where block.hasResidual {
                addInPlace(ws.blockOutputs.1, ws.blockOutputs.0, count: ws.blockGeometries[b].project.outputCount)
            }
        }
        let classifier = time { folded.classify(ws) }
        let keeping = Workspace(network: folded, batch: ws.batch, height: ws.height, width: ws.width, keepsActivations: true)
        let labels = [Int](repeating: 0, count: ws.batch)
        let keepingForward = time { folded.forward(keeping) }
        let backward = time {
            folded.classify(keeping)
            folded.backward(keeping, labels: labels)
        } - classifier
        var steps: [String] = [], totals: [String: [Double]] = [:]
        for _ in 0..<max(1, runs) {
            folded.classify(keeping)
            var last = DispatchTime.now().uptimeNanoseconds
            var run: [String: Double] = [:]
            folded.backward(keeping, labels: labels) { step in
                let now = DispatchTime.now().uptimeNanoseconds
                if run[step] == nil && !steps.contains(step) { steps.append(step) }
                run[step, default: 0] += Double(now - last) / 1e6
                last = now
            }
            for (step, value) in run { totals[step, default: []].append(value) }
        }
        let backwardSteps = steps.map { step -> (step: String, milliseconds: Double) in
            let values = totals[step, default: [0]].sorted()
            return (step, values[values.count / 2])
        }
        return ModelProfile(layers: timings, forwardMilliseconds: full, residualMilliseconds: residual,
                            classifierMilliseconds: classifier, keepingForwardMilliseconds: keepingForward,
                            backwardMilliseconds: backward, backwardSteps: backwardSteps)
    }
}
