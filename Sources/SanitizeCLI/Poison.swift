import ArgumentParser

/// Placeholder until its issue lands.
struct Poison: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "poison", abstract: "Not built yet.")
    func run() throws { throw ValidationError("'poison' is not built yet") }
}
