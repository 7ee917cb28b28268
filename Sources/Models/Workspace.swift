import Foundation
import _Kernels

// MARK: - Preallocated buffers for one batch shape

/// Every buffer one forward (and, optionally, backward) pass needs for a batch of a given shape,
/// allocated once and reused, so the hot path allocates nothing.
///
/// Inference keeps only what the next layer reads: the ReLU6 outputs share two scratch buffers
/// (`expanded`, `depthwise`) and block outputs ping-pong between two more. For input gradients
/// (`keepsActivations`) every ReLU6 output gets its own buffer, because its backward pass needs
/// the mask `0 < y < 6`; projections (no activation) still ping-pong, as their values are never
/// needed again.
final class Workspace {
    /// Images in the batch.
    let batch: Int
    /// Input height and width.
    let height: Int, width: Int
    /// Whether the ReLU6 outputs are kept for a backward pass.
    let keepsActivations: Bool

    /// Geometry of the stem convolution.
    let stemGeometry: ConvGeometry
    /// Geometries of each block's expand (nil without expansion), depthwise and project convolutions.
    let blockGeometries: [(expand: ConvGeometry?, depthwise: ConvGeometry, project: ConvGeometry)]
    /// Geometry of the 1×1 head convolution.
    let headGeometry: ConvGeometry

    /// `[batch, height, width, 3]`: the normalised input `(x − 127) / 128`.
    let input: UnsafeMutablePointer<Float>
    /// ReLU6 output of the stem.
    let stemOutput: UnsafeMutablePointer<Float>
    /// ReLU6 outputs of each block's expand convolution (nil without expansion).
    let expandOutputs: [UnsafeMutablePointer<Float>?]
    /// ReLU6 outputs of each block's depthwise convolution.
    let depthwiseOutputs: [UnsafeMutablePointer<Float>]
    /// Two buffers that block outputs alternate between.
    let blockOutputs: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)
    /// ReLU6 output of the head convolution, `[batch, h, w, 1280]`.
    let headOutput: UnsafeMutablePointer<Float>
    /// `[batch, 1280]` after global average pooling; reused for its gradient.
    let pooled: UnsafeMutablePointer<Float>
    /// `[batch, 1000]`; reused for the gradient of the loss with respect to the logits.
    let logits: UnsafeMutablePointer<Float>
    /// Three gradient buffers of the largest activation size, for the backward pass (or nil).
    let gradients: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)?
    /// `[batch, height, width, 3]`: the gradient with respect to the normalised input (or nil).
    let inputGradient: UnsafeMutablePointer<Float>?

    /// Every allocation, freed in `deinit`.
    private var allocations: [UnsafeMutablePointer<Float>] = []

    /// Total floats allocated, for reporting memory use.
    private(set) var floatCount = 0

    init(network: FoldedNetwork, batch: Int, height: Int, width: Int, keepsActivations: Bool) {
        self.batch = batch
        self.height = height
        self.width = width
        self.keepsActivations = keepsActivations

        let stem = network.stem.geometry(batch: batch, height: height, width: width)
        var h = stem.outHeight, w = stem.outWidth
        var geometries: [(expand: ConvGeometry?, depthwise: ConvGeometry, project: ConvGeometry)] = []
        for block in network.blocks {
            let expand = block.expand?.geometry(batch: batch, height: h, width: w)
            let depthwise = block.depthwise.geometry(batch: batch, height: h, width: w)
            let project = block.project.geometry(batch: batch, height: depthwise.outHeight, width: depthwise.outWidth)
            geometries.append((expand, depthwise, project))
            h = project.outHeight
            w = project.outWidth
        }
        let head = network.head.geometry(batch: batch, height: h, width: w)
        stemGeometry = stem
        blockGeometries = geometries
        headGeometry = head

        var largestExpanded = stem.outputCount, largestDepthwise = 0, largestBlock = 0
        for g in geometries {
            largestExpanded = max(largestExpanded, g.expand?.outputCount ?? 0)
            largestDepthwise = max(largestDepthwise, g.depthwise.outputCount)
            largestBlock = max(largestBlock, g.project.outputCount)
        }
        largestExpanded = max(largestExpanded, head.outputCount)
        let largest = max(largestExpanded, largestDepthwise, largestBlock, stem.inputCount)

        var allocations: [UnsafeMutablePointer<Float>] = []
        var floats = 0
        func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
            let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            pointer.initialize(repeating: 0, count: max(count, 1))
            allocations.append(pointer)
            floats += count
            return pointer
        }

        input = allocate(stem.inputCount)
        if keepsActivations {
            stemOutput = allocate(stem.outputCount)
            expandOutputs = geometries.map { $0.expand.map { allocate($0.outputCount) } }
            depthwiseOutputs = geometries.map { allocate($0.depthwise.outputCount) }
            headOutput = allocate(head.outputCount)
            gradients = (allocate(largest), allocate(largest), allocate(largest))
            inputGradient = allocate(stem.inputCount)
        } else {
            let expanded = allocate(largestExpanded)
            let depthwise = allocate(largestDepthwise)
            stemOutput = expanded
            expandOutputs = geometries.map { $0.expand == nil ? nil : expanded }
            depthwiseOutputs = geometries.map { _ in depthwise }
            headOutput = expanded
            gradients = nil
            inputGradient = nil
        }
        blockOutputs = (allocate(largestBlock), allocate(largestBlock))
        pooled = allocate(batch * head.outChannels)
        logits = allocate(batch * network.classes)
        self.allocations = allocations
        self.floatCount = floats
    }

    deinit {
        for pointer in allocations { pointer.deallocate() }
    }
}

// MARK: - A small pool of workspaces

/// Reuses workspaces across calls, keyed by batch shape. Thread-safe: a caller takes a
/// workspace out, uses it alone and puts it back, so concurrent calls never share buffers.
final class WorkspacePool {
    /// Identifies the shape a workspace was built for.
    struct Key: Hashable {
        let batch: Int, height: Int, width: Int, keepsActivations: Bool
    }

    /// At most this many idle workspaces are kept; older ones are freed.
    private let capacity = 4
    private var idle: [(key: Key, workspace: Workspace)] = []
    private let lock = NSLock()

    /// An idle workspace for `key`, or a new one built by `make`.
    func take(_ key: Key, make: () -> Workspace) -> Workspace {
        lock.lock()
        let index = idle.lastIndex(where: { $0.key == key })
        let found = index.map { idle.remove(at: $0).workspace }
        lock.unlock()
        return found ?? make()
    }

    /// Returns a workspace for reuse, dropping the oldest idle one beyond `capacity`.
    func giveBack(_ workspace: Workspace) {
        let key = Key(batch: workspace.batch, height: workspace.height, width: workspace.width,
                      keepsActivations: workspace.keepsActivations)
        lock.lock()
        idle.append((key, workspace))
        if idle.count > capacity { idle.removeFirst(idle.count - capacity) }
        lock.unlock()
    }
}
