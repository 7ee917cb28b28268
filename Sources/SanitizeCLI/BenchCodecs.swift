import ArgumentParser

/// Placeholder until its issue lands.
struct BenchCodecs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "codecs", abstract: "Not built yet.")
    func run() throws { throw ValidationError("'codecs' is not built yet") }
}
