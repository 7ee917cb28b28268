import ArgumentParser

/// Placeholder until its issue lands.
struct BenchKernels: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kernels", abstract: "Not built yet.")
    func run() throws { throw ValidationError("'kernels' is not built yet") }
}
