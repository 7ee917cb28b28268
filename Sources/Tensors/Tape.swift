import _Support
// MARK: - Tape nodes

/// One recorded op: its name, its inputs, and the rule that maps the gradient of its output to one
/// gradient per input (`nil` for inputs that need none). Forward code captures only what the rule
/// needs. Gradients returned by a rule are plain tensors (never recorded) and must have their
/// input's shape; the tape checks this and names the op when one doesn't.
@usableFromInline
final class TapeNode {
    @usableFromInline let op: String
    @usableFromInline var inputs: [Tensor]
    @usableFromInline var backward: (Tensor) -> [Tensor?]

    @usableFromInline
    init(op: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) {
        self.op = op
        self.inputs = inputs
        self.backward = backward
    }
}

// MARK: - Tearing down deep graphs

extension Tensor {
    /// Releases a chain of recorded nodes iteratively. Without this, freeing the result of a
    /// 20 000-op chain would recurse once per op through `deinit` and overflow the stack. Only
    /// nodes and inputs that nothing else references are dismantled, so shared graphs stay intact.
    @usableFromInline
    func releaseGraph() {
        guard node != nil else { return }
        var pending = [node!]
        node = nil
        while var current = pending.popLast() {
            guard isKnownUniquelyReferenced(&current) else { continue }
            var inputs = current.inputs
            current.inputs = []
            current.backward = { _ in [] }
            for i in inputs.indices where isKnownUniquelyReferenced(&inputs[i]) {
                if let child = inputs[i].node {
                    inputs[i].node = nil
                    pending.append(child)
                }
            }
        }
    }
}

// MARK: - Gradient mode

/// Whether ops record themselves on the tape.
///
/// **Thread safety.** The flag is task-local (a thread-local outside Swift concurrency), so
/// `withoutGradients` affects only the current task or thread. The tape itself is the graph of
/// `TapeNode`s hanging off each result; there is no global tape. Different threads may build and
/// differentiate independent graphs concurrently, but one graph (and its leaves' `grad`) must be
/// used from one thread at a time.
public enum GradientMode {
    /// `true` unless inside `withoutGradients`.
    @TaskLocal public static var isEnabled: Bool = true
}

/// Runs `body` with recording switched off: ops inside build no tape, even on tensors that require
/// gradients. Use it for inference and for parameter updates.
@inlinable
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    try GradientMode.$isEnabled.withValue(false) { try body() }
}

extension Tensor {
    /// Attaches the backward rule made by `rule` to `self` when gradients are enabled and one of
    /// the inputs `a`, `b`, `c` needs a gradient; returns `self` for chaining. `rule` is a
    /// non-escaping closure that returns the escaping backward closure, so an op that is not
    /// recorded allocates nothing at all: no node, no closure context, no input array.
    /// The rule returns one gradient per non-nil input, in order.
    @inlinable @inline(__always)
    func recorded(_ op: String, _ a: Tensor, _ b: Tensor? = nil, _ c: Tensor? = nil,
                  _ rule: () -> (Tensor) -> [Tensor?]) -> Tensor {
        guard Tensor.shouldRecord(a, b, c) else { return self }
        var inputs = [a]
        if let b { inputs.append(b) }
        if let c { inputs.append(c) }
        node = TapeNode(op: op, inputs: inputs, backward: rule())
        return self
    }

    /// True when an op on `a` (and optionally `b`, `c`) must be recorded, without building an array.
    @inlinable
    static func shouldRecord(_ a: Tensor, _ b: Tensor? = nil, _ c: Tensor? = nil) -> Bool {
        (a.needsGradient || (b?.needsGradient ?? false) || (c?.needsGradient ?? false)) && GradientMode.isEnabled
    }
}

// MARK: - Backward pass

extension Tensor {
    /// Reverse-mode differentiation: accumulates `∂(seed · self)/∂leaf` into `grad` of every leaf
    /// with `requiresGrad` that `self` depends on.
    ///
    /// - Parameter seed: the gradient of the final objective with respect to `self`, same shape as
    ///   `self`. Defaults to ones, which for a scalar loss gives the ordinary gradient.
    ///
    /// Gradients **accumulate** across calls (call `zeroGradient()` or an optimizer's
    /// `zeroGradients()` in between). The graph is kept, so `backward` may be called again.
    /// Backward rules run with recording off.
    /// - Precondition: every rule returns gradients of its inputs' shapes (the message names the op).
    public func backward(seed: Tensor? = nil) {
        let seed = seed ?? Tensor(shape: shape, storage: [Float](repeating: 1, count: count))
        require(seed.shape == shape, "backward: seed shape \(seed.shape) differs from \(shape)")
        withoutGradients {
            if node == nil {
                if requiresGrad { Tensor.accumulate(seed, intoGradOf: self) }
                return
            }
            let order = topologicalOrder()
            var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
            for tensor in order.reversed() {
                guard let node = tensor.node,
                      let gradient = pending.removeValue(forKey: ObjectIdentifier(tensor)) else { continue }
                let inputGradients = node.backward(gradient)
                require(inputGradients.count == node.inputs.count,
                             "backward of \(node.op): \(inputGradients.count) gradients for \(node.inputs.count) inputs")
                for (index, input) in node.inputs.enumerated() {
                    guard let inputGradient = inputGradients[index], input.needsGradient else { continue }
                    require(inputGradient.shape == input.shape,
                                 "backward of \(node.op): gradient of shape \(inputGradient.shape) for input \(index) of shape \(input.shape)")
                    if input.node != nil {
                        let key = ObjectIdentifier(input)
                        if let existing = pending[key] {
                            existing.addInPlace(inputGradient)
                        } else {
                            pending[key] = Tensor(shape: input.shape, storage: inputGradient.storage)
                        }
                    } else if input.requiresGrad {
                        Tensor.accumulate(inputGradient, intoGradOf: input)
                    }
                }
            }
        }
    }

    /// Adds `gradient` into `leaf.grad`. A fresh wrapper shares the buffer copy-on-write, so the
    /// first in-place addition copies it rather than corrupting a tensor another rule still holds.
    static func accumulate(_ gradient: Tensor, intoGradOf leaf: Tensor) {
        if let existing = leaf.grad {
            existing.addInPlace(gradient)
        } else {
            leaf.grad = Tensor(shape: leaf.shape, storage: gradient.storage)
        }
    }

    /// Tensors reachable through recorded nodes, each after all the tensors it was computed from.
    /// Iterative depth-first search, so deep graphs cannot overflow the stack.
    func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(tensor: Tensor, expanded: Bool)] = [(self, false)]
        while let (tensor, expanded) = stack.popLast() {
            if expanded { order.append(tensor); continue }
            guard visited.insert(ObjectIdentifier(tensor)).inserted else { continue }
            stack.append((tensor, true))
            for input in tensor.node?.inputs ?? [] where input.node != nil
                && !visited.contains(ObjectIdentifier(input)) {
                stack.append((input, false))
            }
        }
        return order
    }

    /// `self += other` elementwise, in place and off the tape (shapes must match).
    func addInPlace(_ other: Tensor) {
        require(other.count == count, "addInPlace: \(other.shape) into \(shape)")
        other.storage.withUnsafeBufferPointer { source in
            storage.withUnsafeMutableBufferPointer { target in
                let s = source.baseAddress!, t = target.baseAddress!
                Parallel.chunks(target.count, serialBelow: parallelThreshold) { range in
                    for i in range { t[i] += s[i] }
                }
            }
        }
    }
}
