import _Support
import Foundation
import Tensors

// MARK: - Loading weights by name

extension EfficientNetLite {
    /// Loads `variant` with the weights from `path`, or from `WeightsLocation.defaultPath(for:)`
    /// when `path` is nil.
    ///
    /// The default file is always checked against `variant.weightsSHA256`, so a corrupt or stale
    /// installation is caught. An explicit `path` is checked only when `verifyChecksum` is true
    /// (the default): pass false to load other weights of the same architecture, which are still
    /// checked tensor by tensor (names, dtypes, shapes and finite values).
    ///
    /// The header is validated against the variant's architecture before any data is read, so a
    /// file whose header does not describe it (another variant's file, say) costs at most its
    /// header in memory.
    ///
    /// - Throws: `ModelError` naming the file, the model and the reason (and the tensor at fault),
    ///   and saying to run `Scripts/setup.sh`.
    public convenience init(variant: EfficientNetLiteVariant = .lite0, weights path: String? = nil,
                            verifyChecksum: Bool = true) throws {
        let resolved = try path ?? WeightsLocation.defaultPath(for: variant)
        let file: SafeTensorsFile
        do {
            file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: resolved), maximumHeaderBytes: Self.maximumHeaderBytes) { header in
                try Self.checkHeader(header, variant: variant, source: resolved)
            }
        } catch let error as SafeTensorsError {
            if !Files.exists(resolved) {
                throw ModelError.weightsNotFound(model: variant.name, searched: [resolved])
            }
            throw ModelError.weightsUnreadable(path: resolved, reason: Self.reason(error))
        }
        var tensors: [String: Tensor] = [:]
        for (name, _) in variant.architecture.tensorShapes {
            do {
                tensors[name] = try file.tensor(named: name)
            } catch let error as SafeTensorsError {
                throw ModelError.weightsUnreadable(path: resolved, reason: Self.reason(error))
            }
        }
        if path == nil || verifyChecksum {
            let observed = WeightsLocation.checksum(of: file.bytes)
            if observed != variant.weightsSHA256 {
                throw ModelError.checksumMismatch(path: resolved, model: variant.name, expected: variant.weightsSHA256,
                                                  observed: observed)
            }
        }
        try self.init(variant: variant, tensors: tensors, source: resolved)
    }

    /// The largest weights header read: 1 MiB. The installed Lite0 file's header is 22,400 bytes,
    /// and a header describing exactly an architecture's tensors (at most 322, plus 64 counters)
    /// cannot need more than a few tens of kilobytes even with long names and padding.
    static let maximumHeaderBytes = 1 << 20

    /// A safetensors error without the file name, which `ModelError` already gives.
    private static func reason(_ error: SafeTensorsError) -> String {
        (error.tensor.map { "tensor \($0): " } ?? "") + error.reason
    }

    /// Refuses a header that does not describe `variant`: a missing or unexpected name,
    /// a dtype other than F32 (I64 for the ignored `num_batches_tracked` counters), or a shape
    /// that differs from the architecture's.
    ///
    /// - Throws: `ModelError.missingTensors`, `.unexpectedTensors`, `.dtypeMismatch` or `.shapeMismatch`.
    static func checkHeader(_ header: SafeTensorsFile.Header, variant: EfficientNetLiteVariant, source: String) throws {
        try checkNames(Set(header.entries.map(\.name)), variant: variant, source: source)
        for entry in header.entries where entry.name.hasSuffix(".num_batches_tracked") && entry.dtype != .I64 {
            throw ModelError.dtypeMismatch(path: source, name: entry.name, expected: SafeTensorsDType.I64.rawValue,
                                           observed: entry.dtype.rawValue)
        }
        // A counter is one number; a larger one would make a small header cost a large read.
        for entry in header.entries where entry.name.hasSuffix(".num_batches_tracked") && entry.shape.reduce(1, *) > 1 {
            throw ModelError.shapeMismatch(path: source, model: variant.name, name: entry.name, expected: [],
                                           observed: entry.shape)
        }
        for (name, shape) in variant.architecture.tensorShapes {
            guard let entry = header.entry(named: name) else { continue }
            guard entry.dtype == .F32 else {
                throw ModelError.dtypeMismatch(path: source, name: name, expected: SafeTensorsDType.F32.rawValue,
                                               observed: entry.dtype.rawValue)
            }
            guard entry.shape == shape else {
                throw ModelError.shapeMismatch(path: source, model: variant.name, name: name, expected: shape,
                                               observed: entry.shape)
            }
        }
    }

    /// Throws `ModelError.nonFiniteWeight` for the first tensor (in architecture order) holding NaN or ±∞.
    static func checkFinite(_ tensors: [String: Tensor], variant: EfficientNetLiteVariant, source: String) throws {
        for (name, _) in variant.architecture.tensorShapes {
            guard let tensor = tensors[name] else { continue }
            let bad: (index: Int, value: Float)? = tensor.withUnsafeBufferPointer { values in
                for i in values.indices where !values[i].isFinite { return (i, values[i]) }
                return nil
            }
            if let bad {
                throw ModelError.nonFiniteWeight(path: source, name: name, index: bad.index, value: bad.value)
            }
        }
    }

    /// Throws when `names` lacks a tensor `variant`'s architecture needs or holds one it does not
    /// use. `num_batches_tracked` counters are tolerated: inference ignores them.
    static func checkNames(_ names: Set<String>, variant: EfficientNetLiteVariant, source: String) throws {
        let expected = variant.architecture.tensorShapes.map(\.name)
        let missing = expected.filter { !names.contains($0) }
        if !missing.isEmpty { throw ModelError.missingTensors(path: source, model: variant.name, names: missing) }
        let known = Set(expected)
        let unexpected = names.filter { !known.contains($0) && !$0.hasSuffix(".num_batches_tracked") }.sorted()
        if !unexpected.isEmpty {
            throw ModelError.unexpectedTensors(path: source, model: variant.name, names: unexpected)
        }
    }

    /// Builds `variant` from PyTorch-named tensors with PyTorch shapes (OIHW convolutions).
    ///
    /// - Throws: `ModelError` for missing, unexpected or misshapen tensors, or one holding NaN or
    ///   ±∞; `source` names them.
    public convenience init(variant: EfficientNetLiteVariant = .lite0, tensors: [String: Tensor],
                            source: String = "<tensors>") throws {
        try Self.checkNames(Set(tensors.keys), variant: variant, source: source)
        for (name, shape) in variant.architecture.tensorShapes where tensors[name]!.shape != shape {
            throw ModelError.shapeMismatch(path: source, model: variant.name, name: name, expected: shape,
                                           observed: tensors[name]!.shape)
        }
        try Self.checkFinite(tensors, variant: variant, source: source)
        let builder = NetworkBuilder(tensors: tensors, blocks: variant.architecture.blocks)
        self.init(variant: variant, folded: builder.folded(), tape: builder.tape(), source: source)
    }
}

// MARK: - Building both networks from the tensors

/// Turns the checked PyTorch tensors into the folded (fast) and the tape (reference) networks.
private struct NetworkBuilder {
    let tensors: [String: Tensor]
    let blocks: [MBConvBlock]
    let epsilon = EfficientNetLiteArchitecture.batchNormEpsilon

    func values(_ name: String) -> [Float] { tensors[name]!.scalars }

    func batchNorm(_ prefix: String) -> BatchNormParameters {
        BatchNormParameters(weight: values(prefix + ".weight"), bias: values(prefix + ".bias"),
                            mean: values(prefix + ".running_mean"), variance: values(prefix + ".running_var"),
                            epsilon: epsilon)
    }

    func conv(_ weight: String, _ norm: String, stride: Int, depthwise: Bool, clamps: Bool) -> FoldedConv {
        let shape = tensors[weight]!.shape
        return FoldedConv(oihw: values(weight), outChannels: shape[0], inPerGroup: shape[1], kernel: shape[2],
                          stride: stride, groups: depthwise ? shape[0] : 1, batchNorm: batchNorm(norm),
                          clampsToSix: clamps)
    }

    func folded() -> FoldedNetwork {
        let blocks = self.blocks.map { spec -> FoldedBlock in
            let p = spec.prefix
            return FoldedBlock(
                expand: spec.expansion == 1 ? nil
                    : conv(p + "_expand_conv.weight", p + "_bn0", stride: 1, depthwise: false, clamps: true),
                depthwise: conv(p + "_depthwise_conv.weight", p + "_bn1", stride: spec.stride, depthwise: true, clamps: true),
                project: conv(p + "_project_conv.weight", p + "_bn2", stride: 1, depthwise: false, clamps: false),
                hasResidual: spec.hasResidual)
        }
        return FoldedNetwork(stem: conv("_conv_stem.weight", "_bn0", stride: 2, depthwise: false, clamps: true),
                             blocks: blocks,
                             head: conv("_conv_head.weight", "_bn1", stride: 1, depthwise: false, clamps: true),
                             fcWeight: values("_fc.weight"), fcBias: values("_fc.bias"))
    }

    func tapeLayer(_ weight: String, _ norm: String) -> (weight: Tensor, norm: TapeNetwork.BatchNorm) {
        // o i ky kx -> ky kx i o
        (tensors[weight]!.permuted([2, 3, 1, 0]),
         TapeNetwork.BatchNorm(weight: tensors[norm + ".weight"]!, bias: tensors[norm + ".bias"]!,
                               mean: tensors[norm + ".running_mean"]!, variance: tensors[norm + ".running_var"]!))
    }

    func tape() -> TapeNetwork {
        let blocks = self.blocks.map { spec -> TapeNetwork.Block in
            let p = spec.prefix
            return TapeNetwork.Block(
                spec: spec,
                expand: spec.expansion == 1 ? nil : tapeLayer(p + "_expand_conv.weight", p + "_bn0"),
                depthwise: tapeLayer(p + "_depthwise_conv.weight", p + "_bn1"),
                project: tapeLayer(p + "_project_conv.weight", p + "_bn2"))
        }
        return TapeNetwork(stem: tapeLayer("_conv_stem.weight", "_bn0"), blocks: blocks,
                           head: tapeLayer("_conv_head.weight", "_bn1"),
                           fcWeight: tensors["_fc.weight"]!, fcBias: tensors["_fc.bias"]!)
    }
}
