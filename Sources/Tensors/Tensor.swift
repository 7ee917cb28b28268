// MARK: - Tensor

/// A dense Float32 tensor with contiguous row-major storage and an optional place on the autodiff tape.
///
/// **Layout.** Storage is row-major (the last axis varies fastest). Images are **NHWC**
/// (`[batch, height, width, channels]`) and convolution weights are **HWIO**
/// (`[kernelHeight, kernelWidth, inChannels / groups, outChannels]`), as in `_Kernels`.
/// NHWC was chosen because the depthwise and 1×1 kernels that dominate EfficientNet-Lite0 are
/// fastest in it: a 1×1 convolution is one GEMM over `[N·H·W, C]` rows with no transposition, and
/// depthwise kernels vectorise across the contiguous channel axis (see `sanitize-bench kernels`).
/// PyTorch tensors are NCHW/OIHW: convert with `permuted([0, 2, 3, 1])` and `permuted([2, 3, 1, 0])`.
///
/// **Value semantics.** A `Tensor` is a class so that modules and optimizers can share and update
/// parameters in place, but every op returns a new tensor and never modifies its inputs. Storage is a
/// copy-on-write `[Float]`, so `reshaped`, `detached` and gradients share buffers without copying.
///
/// **Gradients.** A tensor takes part in differentiation when `requiresGrad` is set (a leaf, such
/// as a parameter or an input image) or when it was computed from such a tensor while gradients
/// were enabled. `backward()` on a result accumulates `∂result/∂leaf` into each leaf's `grad`.
/// Tensors that need no gradient record nothing and allocate no tape.
public final class Tensor {
    /// The extent of each axis; `[]` is a scalar with one element. Every extent is ≥ 0.
    public let shape: [Int]

    /// The elements in row-major order; `storage.count == shape.reduce(1, *)`.
    @usableFromInline var storage: [Float]

    /// Whether `backward()` should accumulate a gradient into `grad` for this (leaf) tensor.
    /// Set it on parameters and on inputs whose gradient you want, e.g. an image for FGSM.
    public var requiresGrad: Bool

    /// The accumulated gradient of the last `backward()` calls, same shape as the tensor, or `nil`
    /// before the first backward pass and after `zeroGradient()`.
    public var grad: Tensor?

    /// The op that produced this tensor, when it was recorded on the tape; `nil` for leaves.
    @usableFromInline var node: TapeNode?

    /// Creates a tensor from its elements in row-major order.
    ///
    /// - Precondition: `scalars.count` equals the product of `shape` and no extent is negative.
    public init(shape: [Int], scalars: [Float], requiresGrad: Bool = false) {
        require(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in shape \(shape)")
        require(scalars.count == shape.reduce(1, *),
                     "Tensor: \(scalars.count) scalars do not fill shape \(shape)")
        self.shape = shape
        self.storage = scalars
        self.requiresGrad = requiresGrad
    }

    /// Creates a scalar (rank-0) tensor.
    public convenience init(_ value: Float, requiresGrad: Bool = false) {
        self.init(shape: [], scalars: [value], requiresGrad: requiresGrad)
    }

    /// Internal designated initialiser without checks, for op outputs.
    @usableFromInline
    init(shape: [Int], storage: [Float]) {
        self.shape = shape
        self.storage = storage
        self.requiresGrad = false
    }

    /// Allocates an output of `shape` whose elements `body` must all write (no zero fill).
    @inlinable
    static func make(shape: [Int], _ body: (UnsafeMutableBufferPointer<Float>) -> Void) -> Tensor {
        let count = shape.reduce(1, *)
        let storage = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            body(buffer)
            initialized = count
        }
        return Tensor(shape: shape, storage: storage)
    }

    deinit {
        if node != nil { releaseGraph() }
    }

    // MARK: - Properties

    /// The elements in row-major order (a copy-on-write array; reading it does not copy).
    public var scalars: [Float] { storage }

    /// Number of elements, the product of `shape` (1 for a scalar).
    public var count: Int { storage.count }

    /// Number of axes (0 for a scalar).
    public var rank: Int { shape.count }

    /// The single element of a one-element tensor (any rank).
    ///
    /// - Precondition: `count == 1`.
    public var item: Float {
        require(storage.count == 1, "Tensor.item: tensor of shape \(shape) has \(storage.count) elements")
        return storage[0]
    }

    /// True when a gradient flows through this tensor: it is a leaf with `requiresGrad`, or it was
    /// recorded on the tape.
    @inlinable
    public var needsGradient: Bool { requiresGrad || node != nil }

    /// The name of the op that produced this tensor on the tape (e.g. `"conv2d"`), or `nil` for leaves
    /// and untracked results.
    public var producingOp: String? { node?.op }

    // MARK: - Raw access

    /// Calls `body` with the elements, row-major. The pointer must not escape.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with mutable elements, row-major, for in-place updates such as optimizer steps or
    /// weight loading. Changes bypass the tape: do not modify a tensor that a recorded op still needs
    /// for its backward pass.
    @inlinable
    public func withUnsafeMutableBufferPointer<R>(_ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try storage.withUnsafeMutableBufferPointer(body)
    }

    /// Overwrites the elements with those of `other` (same element count), in place and off the tape,
    /// keeping this tensor's identity (so optimizers and modules that hold it see the new values).
    ///
    /// - Precondition: `other.count == count`.
    public func assign(_ other: Tensor) {
        require(other.count == count, "Tensor.assign: \(other.shape) into \(shape)")
        storage = other.storage
    }

    /// A tensor with the same elements (shared, copy-on-write) that is cut off from the tape:
    /// no gradient flows through it. Useful for constants such as a running maximum.
    public func detached() -> Tensor {
        Tensor(shape: shape, storage: storage)
    }

    /// Clears the accumulated gradient (sets `grad` to `nil`, as PyTorch's `set_to_none`).
    public func zeroGradient() {
        grad = nil
    }
}

// MARK: - Description

extension Tensor: CustomStringConvertible {
    /// `Tensor([2, 3], [1.0, 2.0, …])`, showing at most the first 8 elements.
    public var description: String {
        let shown = storage.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(\(shape), [\(shown)\(storage.count > 8 ? ", …" : "")])"
    }
}
