import ArgumentParser

/// Placeholder until its issue lands.
struct MSSSIM: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "msssim", abstract: "Not built yet.")
    func run() throws { throw ValidationError("'msssim' is not built yet") }
}
