import ArgumentParser

/// Placeholder until its issue lands.
struct Compress: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compress", abstract: "Not built yet.")
    func run() throws { throw ValidationError("'compress' is not built yet") }
}
