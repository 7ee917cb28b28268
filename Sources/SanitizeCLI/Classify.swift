import ArgumentParser

/// Placeholder until its issue lands.
struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "classify", abstract: "Not built yet.")
    func run() throws { throw ValidationError("'classify' is not built yet") }
}
