import _Kernels

// MARK: - The fast path in pieces, for the benchmarks

/// An EfficientNet-Lite fast path taken apart into runnable pieces, so that the benchmarks can
/// time where a pass spends its time without the library timing anything itself.
///
/// Every piece runs on buffers owned by the probe, filled with whatever the previous piece left:
/// the values are arbitrary, only the work is real. Not thread-safe; keep one probe per thread.
@_spi(Benchmarks)
public final class FastPathProbe {
    /// One convolution of the network, runnable on its own.
    public struct Layer {
        /// `stem`, `block3.expand`, `block3.depthwise`, `block3.project` or `head`.
        public let name: String
        /// The convolution's shape for the probe's batch.
        public let geometry: ConvGeometry
        /// The convolution with its folded bias and fused ReLU6.
        public let forward: () -> Void
        /// The input-gradient convolution (`conv2dBackwardInput`) of the same layer.
        public let backwardInput: () -> Void
    }

    /// Every convolution, in network order (the order of `forward(afterEachConvolution:)`'s calls).
    public private(set) var layers: [Layer] = []

    private let network: FoldedNetwork
    /// Keeps activations: the single layers, whole passes with checkpoints, residual adds and the
    /// classifier run here.
    private let workspace: Workspace
    /// Inference only: whole forward passes as `logits` runs them.
    private let inference: Workspace
    /// Keeps activations: a forward and backward pair, as the input gradient runs them.
    private let gradient: Workspace
    private let labels: [Int]

    init(network: FoldedNetwork, batch: Int, side: Int) {
        let batch = max(1, batch)
        self.network = network
        workspace = Workspace(network: network, batch: batch, height: side, width: side, keepsActivations: true)
        inference = Workspace(network: network, batch: batch, height: side, width: side, keepsActivations: false)
        gradient = Workspace(network: network, batch: batch, height: side, width: side, keepsActivations: true)
        labels = [Int](repeating: 0, count: batch)
        // Two buffers of the largest activation size: any layer's input, and any input gradient.
        let (gradientBuffer, anyInput, _) = workspace.gradients!
        func add(_ name: String, _ conv: FoldedConv, _ g: ConvGeometry,
                 _ input: UnsafeMutablePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
            layers.append(Layer(name: name, geometry: g,
                                forward: { conv.forward(g, input: input, output: output) },
                                backwardInput: { conv.backwardInput(g, gradOutput: output, gradInput: gradientBuffer) }))
        }
        let ws = workspace
        add("stem", network.stem, ws.stemGeometry, ws.input, ws.stemOutput)
        for (b, block) in network.blocks.enumerated() {
            let g = ws.blockGeometries[b]
            if let expand = block.expand, let geometry = g.expand, let output = ws.expandOutputs[b] {
                add("block\(b).expand", expand, geometry, anyInput, output)
            }
            add("block\(b).depthwise", block.depthwise, g.depthwise, anyInput, ws.depthwiseOutputs[b])
            add("block\(b).project", block.project, g.project, ws.depthwiseOutputs[b], ws.blockOutputs.1)
        }
        add("head", network.head, ws.headGeometry, anyInput, ws.headOutput)
    }

    /// A whole forward pass that keeps activations, calling `checkpoint` after each convolution.
    public func forward(afterEachConvolution checkpoint: @escaping () -> Void) {
        network.forward(workspace, checkpoint: checkpoint)
    }

    /// A whole inference forward pass, as `EfficientNetLite.logits` runs it.
    public func inferenceForward() {
        network.forward(inference)
    }

    /// The residual adds of one forward pass, on their own.
    public func residualAdds() {
        for (b, block) in network.blocks.enumerated() where block.hasResidual {
            addInPlace(workspace.blockOutputs.1, workspace.blockOutputs.0,
                       count: workspace.blockGeometries[b].project.outputCount)
        }
    }

    /// Global average pooling and the classifier, on their own.
    public func classify() {
        network.classify(workspace)
    }

    /// A whole forward pass that keeps every ReLU6 output, as the input gradient runs it.
    public func keepingForward() {
        network.forward(gradient)
    }

    /// The classifier on the kept activations, which restores the logits that `backward` consumes.
    public func prepareBackward() {
        network.classify(gradient)
    }

    /// The backward pass from the logits to the input gradient, after `prepareBackward()`, calling
    /// `checkpoint` with the kind of step (`masks`, `depthwise convolutions`, …) after each step.
    public func backward(afterEachStep checkpoint: ((String) -> Void)? = nil) {
        network.backward(gradient, labels: labels, checkpoint: checkpoint)
    }
}

extension EfficientNetLite {
    /// A probe of this network's fast path for batches of `batch` images of the variant's input
    /// side (224×224 for Lite0).
    @_spi(Benchmarks)
    public func fastPathProbe(batch: Int) -> FastPathProbe {
        FastPathProbe(network: folded, batch: batch, side: variant.inputSide)
    }
}
