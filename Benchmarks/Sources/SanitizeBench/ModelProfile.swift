import Dispatch
import _Kernels
@_spi(Benchmarks) import Models

// MARK: - Per-layer timings

/// The median time of one convolution of the fast path, forward and backward (input gradient).
struct LayerTiming {
    /// `stem`, `block3.expand`, `block3.depthwise`, `block3.project` or `head`.
    let name: String
    /// The convolution's shape for the profiled batch.
    let geometry: ConvGeometry
    /// Median forward milliseconds (convolution, bias and fused ReLU6), the layer run alone and
    /// repeatedly (warm caches).
    let forwardMilliseconds: Double
    /// Median forward milliseconds of the same layer inside whole forward passes (including the
    /// residual add that follows a projection).
    var inContextMilliseconds = 0.0
    /// Median milliseconds of the input-gradient convolution (`conv2dBackwardInput`).
    let backwardMilliseconds: Double
}

/// Where the time of one forward (and backward) pass goes; all medians in milliseconds.
struct ModelProfile {
    /// Every convolution, in network order.
    let layers: [LayerTiming]
    /// One whole inference forward pass (shared scratch buffers).
    let forwardMilliseconds: Double
    /// The nine residual adds together.
    let residualMilliseconds: Double
    /// Global average pooling and the 1280→1000 classifier.
    let classifierMilliseconds: Double
    /// One whole forward pass that keeps every ReLU6 output for the backward pass.
    let keepingForwardMilliseconds: Double
    /// The backward pass alone, from the logits to the input gradient.
    let backwardMilliseconds: Double
    /// The backward pass by kind of step (`masks`, `depthwise convolutions`, …): the median over
    /// runs of each kind's total, in order of first appearance.
    let backwardSteps: [(step: String, milliseconds: Double)]

    /// Times the fast path piece by piece through `probe`, each piece the median of `runs` runs
    /// after one warm-up: every convolution alone and within whole passes, the plumbing between
    /// kernels (residual adds, pooling and classifier), and whole forward and backward passes.
    /// Comparing the sums with the whole passes shows what the layer plumbing costs.
    static func measure(_ probe: FastPathProbe, runs: Int) -> ModelProfile {
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
        var timings = probe.layers.map { layer in
            LayerTiming(name: layer.name, geometry: layer.geometry, forwardMilliseconds: time(layer.forward),
                        backwardMilliseconds: time(layer.backwardInput))
        }
        var stamps: [UInt64] = []
        stamps.reserveCapacity(timings.count + 1)
        var inContext = [[Double]](repeating: [], count: timings.count)
        for _ in 0..<max(1, runs) {
            stamps.removeAll(keepingCapacity: true)
            stamps.append(DispatchTime.now().uptimeNanoseconds)
            probe.forward { stamps.append(DispatchTime.now().uptimeNanoseconds) }
            for i in timings.indices { inContext[i].append(Double(stamps[i + 1] - stamps[i]) / 1e6) }
        }
        for i in timings.indices { timings[i].inContextMilliseconds = inContext[i].sorted()[inContext[i].count / 2] }
        let full = time(probe.inferenceForward)
        let residual = time(probe.residualAdds)
        let classifier = time(probe.classify)
        let keepingForward = time(probe.keepingForward)
        let backward = time {
            probe.prepareBackward()
            probe.backward()
        } - classifier
        var steps: [String] = [], totals: [String: [Double]] = [:]
        for _ in 0..<max(1, runs) {
            probe.prepareBackward()
            var last = DispatchTime.now().uptimeNanoseconds
            var run: [String: Double] = [:]
            probe.backward { step in
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
