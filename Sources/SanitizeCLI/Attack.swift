import ArgumentParser

/// Placeholder until its issue lands.
struct Attack: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "attack", abstract: "Not built yet.")
    func run() throws { throw ValidationError("'attack' is not built yet") }
}
