import Tensors

// MARK: - The differentiable path on the Tensors tape

/// An EfficientNet-Lite network written with `Tensors` ops, recorded on the tape: the same function as
/// `FoldedNetwork`, but with BatchNorm as its own op (not folded) and autodiff doing the backward
/// pass. It is the slow, obviously-correct path that the hand-written backward is checked against,
/// and the one to use for gradients with respect to anything other than the input.
final class TapeNetwork {
    /// One BatchNorm's tensors, each `[channels]`.
    struct BatchNorm {
        let weight: Tensor, bias: Tensor, mean: Tensor, variance: Tensor
    }

    /// One MBConv block's HWIO weights and BatchNorms.
    struct Block {
        let spec: MBConvBlock
        let expand: (weight: Tensor, norm: BatchNorm)?
        let depthwise: (weight: Tensor, norm: BatchNorm)
        let project: (weight: Tensor, norm: BatchNorm)
    }

    let stem: (weight: Tensor, norm: BatchNorm)
    let blocks: [Block]
    let head: (weight: Tensor, norm: BatchNorm)
    /// `[1000, 1280]`.
    let fcWeight: Tensor
    /// `[1000]`.
    let fcBias: Tensor

    init(stem: (weight: Tensor, norm: BatchNorm), blocks: [Block], head: (weight: Tensor, norm: BatchNorm),
         fcWeight: Tensor, fcBias: Tensor) {
        self.stem = stem
        self.blocks = blocks
        self.head = head
        self.fcWeight = fcWeight
        self.fcBias = fcBias
    }

    /// Logits `[N, 1000]` for 0–255 pixels `[N, H, W, 3]`; recorded when `pixels` needs a gradient.
    func logits(_ pixels: Tensor) -> Tensor {
        var x = (pixels - 127) / 128
        x = convBN(x, stem, stride: 2, groups: 1).relu6()
        for block in blocks {
            var h = x
            if let expand = block.expand {
                h = convBN(h, expand, stride: 1, groups: 1).relu6()
            }
            h = convBN(h, block.depthwise, stride: block.spec.stride, groups: block.spec.expandedChannels).relu6()
            h = convBN(h, block.project, stride: 1, groups: 1)
            x = block.spec.hasResidual ? h + x : h
        }
        x = convBN(x, head, stride: 1, groups: 1).relu6()
        return x.mean(axes: [1, 2]).linear(weight: fcWeight, bias: fcBias)
    }

    /// A TF-SAME convolution followed by inference-mode BatchNorm (eps 1e-3).
    private func convBN(_ x: Tensor, _ layer: (weight: Tensor, norm: BatchNorm), stride: Int, groups: Int) -> Tensor {
        x.conv2d(weight: layer.weight, stride: (stride, stride), padding: .same, groups: groups)
            .batchNorm(runningMean: layer.norm.mean, runningVariance: layer.norm.variance,
                       weight: layer.norm.weight, bias: layer.norm.bias, training: false,
                       epsilon: Float(EfficientNetLiteArchitecture.batchNormEpsilon))
    }
}
