import ArgumentParser

/// Placeholder until its issue lands.
struct BenchMetrics: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "metrics", abstract: "Not built yet.")
    func run() throws { throw ValidationError("'metrics' is not built yet") }
}
