// MARK: - Module

/// A layer or network with named parameters, buffers and child modules, PyTorch-style.
///
/// Subclasses create their tensors, call `super.init()`, then register them with
/// `registerParameter`, `registerBuffer` and `registerModule`. Names are dotted paths through the
/// children (`features.0.weight`), the keys of a state dict. Registration order is kept, so
/// `parameters()` and `stateDict()` are deterministic.
///
/// Subclasses override `forward(_:)`; call a module as a function. `isTraining` (default `true`,
/// as in PyTorch) switches batch norm and dropout; `train()` and `eval()` set it recursively.
open class Module {
    /// Parameters in registration order: trainable tensors with `requiresGrad`.
    public private(set) var ownParameters: [(name: String, tensor: Tensor)] = []
    /// Buffers in registration order: state saved with the module but not trained (running statistics).
    public private(set) var ownBuffers: [(name: String, tensor: Tensor)] = []
    /// Child modules in registration order.
    public private(set) var children: [(name: String, module: Module)] = []
    /// Training mode: batch statistics in batch norm, active dropout. Set with `train()`/`eval()`.
    public private(set) var isTraining = true

    /// Creates an empty module.
    public init() {}

    /// Computes the output. Subclasses must override it.
    open func forward(_ input: Tensor) -> Tensor {
        fatalError("\(type(of: self)) does not override forward(_:)")
    }

    /// Calls `forward(_:)`.
    public final func callAsFunction(_ input: Tensor) -> Tensor {
        forward(input)
    }

    // MARK: - Registration

    /// Registers `tensor` as a trainable parameter called `name` and sets its `requiresGrad`.
    ///
    /// - Precondition: `name` is non-empty, has no dot and is not yet used in this module.
    public final func registerParameter(_ name: String, _ tensor: Tensor) {
        checkFreshName(name)
        tensor.requiresGrad = true
        ownParameters.append((name, tensor))
    }

    /// Registers `tensor` as a buffer called `name` (saved and loaded, never trained).
    public final func registerBuffer(_ name: String, _ tensor: Tensor) {
        checkFreshName(name)
        ownBuffers.append((name, tensor))
    }

    /// Registers `module` as a child called `name`; its tensors appear under `name.`.
    public final func registerModule(_ name: String, _ module: Module) {
        checkFreshName(name)
        children.append((name, module))
    }

    private func checkFreshName(_ name: String) {
        require(!name.isEmpty && !name.contains("."), "Module: invalid name '\(name)'")
        require(!ownParameters.contains { $0.name == name } && !ownBuffers.contains { $0.name == name }
                     && !children.contains { $0.name == name }, "Module: name '\(name)' registered twice")
    }

    // MARK: - Traversal

    /// All parameters with dotted names, depth-first in registration order.
    public final func namedParameters() -> [(name: String, tensor: Tensor)] {
        ownParameters + children.flatMap { child in
            child.module.namedParameters().map { ("\(child.name).\($0.name)", $0.tensor) }
        }
    }

    /// All buffers with dotted names, depth-first in registration order.
    public final func namedBuffers() -> [(name: String, tensor: Tensor)] {
        ownBuffers + children.flatMap { child in
            child.module.namedBuffers().map { ("\(child.name).\($0.name)", $0.tensor) }
        }
    }

    /// All parameters, for an optimizer.
    public final func parameters() -> [Tensor] {
        namedParameters().map(\.tensor)
    }

    /// Parameters then buffers with dotted names: what `SafeTensors.write` saves. The tensors are
    /// the module's own (not copies).
    public final func stateDict() -> [(name: String, tensor: Tensor)] {
        namedParameters() + namedBuffers()
    }

    /// Copies values from `tensors` into the parameters and buffers of the same dotted names, in
    /// place (optimizers holding the parameters see the new values).
    ///
    /// - Returns: the names this module has but `tensors` lacks (`missing`) and the reverse
    ///   (`unexpected`), sorted.
    /// - Throws: `StateDictError` when a tensor's shape differs (naming it and both shapes), or,
    ///   when `strict`, when any name is missing or unexpected (listing them).
    @discardableResult
    public final func loadStateDict(_ tensors: [String: Tensor], strict: Bool = true) throws
        -> (missing: [String], unexpected: [String]) {
        let own = stateDict()
        let ownNames = Set(own.map(\.name))
        let missing = own.map(\.name).filter { tensors[$0] == nil }.sorted()
        let unexpected = tensors.keys.filter { !ownNames.contains($0) }.sorted()
        if strict && !(missing.isEmpty && unexpected.isEmpty) {
            throw StateDictError.names(missing: missing, unexpected: unexpected)
        }
        for (name, tensor) in own {
            guard let source = tensors[name] else { continue }
            guard source.shape == tensor.shape else {
                throw StateDictError.shape(name: name, expected: tensor.shape, found: source.shape)
            }
        }
        for (name, tensor) in own {
            if let source = tensors[name] { tensor.assign(source) }
        }
        return (missing, unexpected)
    }

    // MARK: - Modes and gradients

    /// Sets training mode on this module and all its descendants (`train(false)` is `eval()`).
    public final func train(_ on: Bool = true) {
        isTraining = on
        for child in children { child.module.train(on) }
    }

    /// Sets inference mode recursively: running statistics in batch norm, no dropout.
    public final func eval() {
        train(false)
    }

    /// Clears the gradient of every parameter.
    public final func zeroGradients() {
        for parameter in parameters() { parameter.zeroGradient() }
    }
}

// MARK: - Errors

/// A state dict that does not fit a module.
public enum StateDictError: Swift.Error, CustomStringConvertible, Equatable {
    /// Names the module has that the file lacks, and names the file has that the module lacks.
    case names(missing: [String], unexpected: [String])
    /// A tensor whose shape differs from the module's.
    case shape(name: String, expected: [Int], found: [Int])

    /// A one-line explanation naming the tensors.
    public var description: String {
        switch self {
        case .names(let missing, let unexpected):
            return "state dict does not match the module: missing [\(missing.joined(separator: ", "))], "
                + "unexpected [\(unexpected.joined(separator: ", "))]"
        case .shape(let name, let expected, let found):
            return "state dict tensor '\(name)' has shape \(found), the module expects \(expected)"
        }
    }
}
