import ArgumentParser

/// Placeholder until its issue lands.
struct BenchModel: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "model", abstract: "Not built yet.")
    func run() throws { throw ValidationError("'model' is not built yet") }
}
