import ArgumentParser

/// Placeholder until its issue lands.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "evaluate", abstract: "Not built yet.")
    func run() throws { throw ValidationError("'evaluate' is not built yet") }
}
