import CRooflineFuzz
import Foundation
import RooflineFuzzTargets

/// `roofline-fuzz TARGET [ARGS...]`. Built with `-sanitize=fuzzer,address` (scripts/fuzz/run.sh) it is a
/// libFuzzer binary: ARGS are libFuzzer's (flags and corpus folders). Built normally it replays ARGS (files or
/// folders) through the target once each, so the ordinary build checks a corpus. The target may also be given
/// as `ROOFLINE_FUZZ_TARGET`; libFuzzer's -fork and -jobs workers find it there. `ROOFLINE_FUZZ_REPLAY=1` replays
/// with the fuzzer build too, and `ROOFLINE_FUZZ_VERBOSE=1` names each file and what refused it.
@main
struct FuzzMain {
    nonisolated(unsafe) static var target: FuzzTarget = .gguf

    static func main() {
        var args = CommandLine.arguments
        let named: String?
        if args.count > 1, FuzzTarget(rawValue: args[1]) != nil {
            named = args.remove(at: 1)
        } else {
            named = ProcessInfo.processInfo.environment["ROOFLINE_FUZZ_TARGET"]
        }
        guard let name = named, let t = FuzzTarget(rawValue: name) else {
            let list = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
            warn("usage: roofline-fuzz TARGET [libFuzzer flags | corpus files and folders...]\ntargets: \(list)")
            exit(2)
        }
        target = t
        setenv("ROOFLINE_FUZZ_TARGET", name, 1)
        do {
            let what = try t.prepare()
            warn("roofline-fuzz \(name): \(what)")
        } catch {
            warn("roofline-fuzz \(name): \(error)")
            exit(2)
        }

        let env = ProcessInfo.processInfo.environment
        if roofline_fuzz_has_driver() != 0, env["ROOFLINE_FUZZ_REPLAY"] == nil {
            var cArgs = args.map { strdup($0) } + [nil]
            var argc = Int32(args.count)
            let rc = cArgs.withUnsafeMutableBufferPointer { buf -> Int32 in
                var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buf.baseAddress
                return roofline_fuzz_run_driver(&argc, &argv) { data, size in
                    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
                    FuzzMain.target.run(bytes)
                    return 0
                }
            }
            exit(rc)
        }

        let paths = Array(args.dropFirst())
        guard !paths.isEmpty else {
            warn("roofline-fuzz: built without libFuzzer; give corpus files or folders to replay (scripts/fuzz/run.sh builds the fuzzer)")
            exit(2)
        }
        let verbose = env["ROOFLINE_FUZZ_VERBOSE"] != nil
        if verbose { fuzzLog = { warn($0) } }
        do {
            let n = try t.replay(paths) { if verbose { warn("  \($0)") } }
            print("roofline-fuzz \(name): replayed \(n) inputs, no crash")
        } catch {
            warn("roofline-fuzz \(name): \(error)")
            exit(1)
        }
    }
}

/// Writes a line to standard error.
func warn(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}
