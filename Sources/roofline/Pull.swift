import ArgumentParser
import RooflineEngine

struct Pull: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch a known model into the cache (verified by SHA-256), so later commands start at once.")

    @Argument(help: "A known model name (see `roofline list`).")
    var name: String

    func validate() throws {
        guard KnownModel.named(name) != nil else {
            throw ValidationError("unknown model '\(name)' (known: \(KnownModel.all.map(\.name).joined(separator: ", ")))")
        }
    }

    func run() throws {
        guard let model = KnownModel.named(name) else { return }
        let path = try ModelStore.fetch(model) { Stderr.print($0) }
        print(path)
    }
}
