import Dispatch
import Foundation
import _Kernels
import _Support

// MARK: - The fast path: BN folded, ReLU6 fused, straight on _Kernels

/// One MBConv block with its BatchNorms folded into the convolutions.
struct FoldedBlock {
    /// 1×1 expansion with ReLU6, absent when the expansion factor is 1.
    let expand: FoldedConv?
    /// k×k depthwise convolution with ReLU6.
    let depthwise: FoldedConv
    /// 1×1 projection, no activation.
    let project: FoldedConv
    /// Whether the block input is added to the projection.
    let hasResidual: Bool
}

/// An EfficientNet-Lite network for inference and input gradients without a tape: every convolution has its
/// BatchNorm folded in and its ReLU6 fused as a clamp epilogue, so a forward pass of Lite0 is 50
/// `Kernels.conv2d` calls, a pooling loop and one GEMM. The backward pass is written by hand:
/// the adjoint of each layer on the same folded weights, with the ReLU6 masks from the saved
/// outputs. It is checked against the tape version (`TapeNetwork`) and finite differences.
final class FoldedNetwork {
    let stem: FoldedConv
    let blocks: [FoldedBlock]
    let head: FoldedConv
    /// `[headChannels, classes]`: PyTorch's `[classes, headChannels]` transposed, so that each
    /// input channel's weights are one contiguous row for the batched matrix-vector loops.
    let fcWeightT: [Float]
    /// `[classes]`.
    let fcBias: [Float]
    /// Number of classes (1000).
    let classes: Int

    init(stem: FoldedConv, blocks: [FoldedBlock], head: FoldedConv, fcWeight: [Float], fcBias: [Float]) {
        self.stem = stem
        self.blocks = blocks
        self.head = head
        let classes = fcBias.count, channels = fcWeight.count / max(classes, 1)
        var transposed = [Float](repeating: 0, count: fcWeight.count)
        for k in 0..<classes {
            for c in 0..<channels { transposed[c * classes + k] = fcWeight[k * channels + c] }
        }
        self.fcWeightT = transposed
        self.fcBias = fcBias
        self.classes = classes
    }

    // MARK: - Forward

    /// Runs the network on `workspace.input` (already normalised) and leaves the logits in
    /// `workspace.logits`. With `keepsActivations`, every ReLU6 output stays in its own buffer.
    /// `checkpoint`, when given, is called after each convolution (`FastPathProbe`).
    func forward(_ ws: Workspace, checkpoint: (() -> Void)? = nil) {
        stem.forward(ws.stemGeometry, input: ws.input, output: ws.stemOutput)
        checkpoint?()
        var x = UnsafePointer(ws.stemOutput)
        var next = ws.blockOutputs.0
        for (b, block) in blocks.enumerated() {
            let g = ws.blockGeometries[b]
            var h = x
            if let expand = block.expand, let geometry = g.expand, let out = ws.expandOutputs[b] {
                expand.forward(geometry, input: h, output: out)
                h = UnsafePointer(out)
                checkpoint?()
            }
            block.depthwise.forward(g.depthwise, input: h, output: ws.depthwiseOutputs[b])
            checkpoint?()
            block.project.forward(g.project, input: ws.depthwiseOutputs[b], output: next)
            checkpoint?()
            if block.hasResidual {
                addInPlace(next, x, count: g.project.outputCount)
            }
            x = UnsafePointer(next)
            next = next == ws.blockOutputs.0 ? ws.blockOutputs.1 : ws.blockOutputs.0
        }
        head.forward(ws.headGeometry, input: x, output: ws.headOutput)
        checkpoint?()
        classify(ws)
    }

    /// Global average pooling of `workspace.headOutput` and the classifier, into `workspace.logits`.
    func classify(_ ws: Workspace) {
        averagePool(ws.headOutput, batch: ws.batch, positions: ws.headGeometry.outHeight * ws.headGeometry.outWidth,
                    channels: head.outChannels, into: ws.pooled)
        // n c, c k -> n k: a few rows, so row-by-row axpys over the contiguous class axis; each
        // weight row is read once per call and stays in L1 across the batch.
        let channels = head.outChannels
        fcWeightT.withUnsafeBufferPointer { w in
            for n in 0..<ws.batch {
                let row = ws.logits + n * classes
                for k in 0..<classes { row[k] = fcBias[k] }
            }
            for c in 0..<channels {
                let weights = w.baseAddress! + c * classes
                for n in 0..<ws.batch {
                    let x = ws.pooled[n * channels + c], row = ws.logits + n * classes
                    for k in 0..<classes { row[k] += x * weights[k] }
                }
            }
        }
    }

    // MARK: - Backward

    /// The gradient of `Σ_n CE(logits_n, labels[n])` with respect to the normalised input, into
    /// `workspace.inputGradient`, after `forward` ran with `keepsActivations`. Overwrites
    /// `workspace.logits` and `workspace.pooled` with their gradients.
    /// `checkpoint`, when given, is called with a label after each step (`FastPathProbe`).
    func backward(_ ws: Workspace, labels: [Int], checkpoint: ((String) -> Void)? = nil) {
        // dCE/dz = softmax(z) − onehot(y), per image.
        backward(ws, seed: { n, row in
            Softmax.normalize(row, count: self.classes)
            row[labels[n]] -= 1
        }, checkpoint: checkpoint)
    }

    /// The gradient of a loss with respect to the normalised input, into `workspace.inputGradient`:
    /// `seed(n, row)` replaces image n's logits at `row` (`classes` values) by `∂loss/∂logits`.
    func backward(_ ws: Workspace, seed: (Int, UnsafeMutablePointer<Float>) -> Void,
                  checkpoint: ((String) -> Void)? = nil) {
        guard let (gradA, gradB, gradC) = ws.gradients, let inputGradient = ws.inputGradient else {
            preconditionFailure("FoldedNetwork.backward needs a workspace that keeps activations")
        }
        for n in 0..<ws.batch { seed(n, ws.logits + n * classes) }
        checkpoint?("softmax")
        // n k, c k -> n c: one dot product over the contiguous class axis per (n, c).
        fcWeightT.withUnsafeBufferPointer { w in
            for c in 0..<head.outChannels {
                let weights = w.baseAddress! + c * classes
                for n in 0..<ws.batch {
                    ws.pooled[n * head.outChannels + c] = dot(ws.logits + n * classes, weights, count: classes)
                }
            }
        }
        checkpoint?("classifier")
        // The mean spreads dPooled/(h·w) over every position; ReLU6 passes it where 0 < y < 6.
        let positions = ws.headGeometry.outHeight * ws.headGeometry.outWidth
        let channels = head.outChannels
        let share = 1 / Float(positions)
        for n in 0..<ws.batch {
            for p in 0..<positions {
                let offset = (n * positions + p) * channels
                for c in 0..<channels {
                    let y = ws.headOutput[offset + c]
                    gradA[offset + c] = y > 0 && y < 6 ? ws.pooled[n * channels + c] * share : 0
                }
            }
        }
        checkpoint?("head mask")
        head.backwardInput(ws.headGeometry, gradOutput: gradA, gradInput: gradB)
        checkpoint?("head convolution")

        // g holds dL/d(block output); the other two buffers take the intermediate gradients.
        var (g, spare1, spare2) = (gradB, gradA, gradC)
        for b in stride(from: blocks.count - 1, through: 0, by: -1) {
            let block = blocks[b], geometry = ws.blockGeometries[b]
            block.project.backwardInput(geometry.project, gradOutput: g, gradInput: spare1)
            checkpoint?("project convolutions")
            maskClamped(spare1, by: ws.depthwiseOutputs[b], count: geometry.depthwise.outputCount)
            checkpoint?("masks")
            block.depthwise.backwardInput(geometry.depthwise, gradOutput: spare1, gradInput: spare2)
            checkpoint?("depthwise convolutions")
            var result = spare2
            if let expand = block.expand, let expandGeometry = geometry.expand, let saved = ws.expandOutputs[b] {
                maskClamped(spare2, by: saved, count: expandGeometry.outputCount)
                checkpoint?("masks")
                expand.backwardInput(expandGeometry, gradOutput: spare2, gradInput: spare1)
                checkpoint?("expand convolutions")
                result = spare1
            }
            if block.hasResidual {
                addInPlace(result, g, count: geometry.project.outputCount)
                checkpoint?("residual adds")
            }
            // The next block's output gradient is `result`; the two other buffers become spares.
            (g, spare1, spare2) = result == spare1 ? (spare1, g, spare2) : (spare2, g, spare1)
        }
        maskClamped(g, by: ws.stemOutput, count: ws.stemGeometry.outputCount)
        checkpoint?("masks")
        stem.backwardInput(ws.stemGeometry, gradOutput: g, gradInput: inputGradient)
        checkpoint?("stem convolution")
    }
}

// MARK: - Elementwise helpers

/// Elementwise loops below ~64 K floats stay on one thread: the dispatch would cost more.
let elementwiseSerialBelow = 1 << 16

/// `dst[i] += src[i]` for `i < count`.
func addInPlace(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int) {
    Parallel.chunks(count, serialBelow: elementwiseSerialBelow) { range in
        for i in range { dst[i] += src[i] }
    }
}

/// The ReLU6 backward rule: `grad[i] = 0` unless `0 < saved[i] < 6` (PyTorch's hardtanh convention).
func maskClamped(_ grad: UnsafeMutablePointer<Float>, by saved: UnsafePointer<Float>, count: Int) {
    Parallel.chunks(count, serialBelow: elementwiseSerialBelow) { range in
        for i in range {
            let y = saved[i]
            grad[i] = y > 0 && y < 6 ? grad[i] : 0
        }
    }
}

/// `Σ a[i]·b[i]` for `i < count`, with eight partial sums (a SIMD register) and a scalar tail.
@inline(__always)
func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
    var partial = SIMD8<Float>()
    var i = 0
    while i + 8 <= count {
        let x = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
        let y = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
        partial.addProduct(x, y)
        i += 8
    }
    var sum = partial.sum()
    while i < count {
        sum += a[i] * b[i]
        i += 1
    }
    return sum
}

/// `out[n, c] = mean over p of input[n, p, c]` for an NHWC input with `positions = h·w`.
func averagePool(_ input: UnsafePointer<Float>, batch: Int, positions: Int, channels: Int,
                 into out: UnsafeMutablePointer<Float>) {
    let scale = 1 / Float(positions)
    for n in 0..<batch {
        let row = out + n * channels
        row.initialize(repeating: 0, count: channels)
        for p in 0..<positions {
            let source = input + (n * positions + p) * channels
            for c in 0..<channels { row[c] += source[c] }
        }
        for c in 0..<channels { row[c] *= scale }
    }
}
