import Foundation
import RooflineGGUF

/// Paths to test fixtures and small helpers shared by the test targets.
public enum Fixtures {
    /// The repository's `Tests/Fixtures` folder.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    public static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    /// Parses a JSON fixture.
    public static func json(_ relative: String) throws -> Any {
        let data = try Data(contentsOf: url(relative))
        return try JSONSerialization.jsonObject(with: data)
    }

    /// Decodes a JSON fixture.
    public static func decode<T: Decodable>(_ type: T.Type, _ relative: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: url(relative)))
    }

    /// This test process's scratch folder, `$TMPDIR/roofline-tests-<pid>`: every file a test writes goes here. It is
    /// removed when the process exits, and folders left by test processes that are gone (a crash, a kill) are
    /// removed when the next one starts, so test runs leave nothing behind on a machine with little disk.
    public static let scratch: URL = {
        let fm = FileManager.default, prefix = "roofline-tests-"
        for name in (try? fm.contentsOfDirectory(atPath: fm.temporaryDirectory.path)) ?? [] where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count)), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? fm.removeItem(at: fm.temporaryDirectory.appendingPathComponent(name))
        }
        let dir = fm.temporaryDirectory.appendingPathComponent("\(prefix)\(getpid())")
        try? fm.createDirectory(at: dir, withIntermediateDirectories: true)
        atexit {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("roofline-tests-\(getpid())")
            try? FileManager.default.removeItem(at: dir)
        }
        return dir
    }()

    /// A fresh path in the scratch folder.
    public static func temporaryPath(_ name: String) -> String {
        scratch.appendingPathComponent("\(UUID().uuidString)-\(name)").path
    }

    /// Removes files a test is done with (models of tens of megabytes) before the process ends.
    public static func remove(_ paths: String...) {
        for p in paths { try? FileManager.default.removeItem(atPath: p) }
    }

    /// Writes bytes to a temporary file and returns its path.
    public static func write(_ bytes: [UInt8], name: String = "test.gguf") throws -> String {
        let p = temporaryPath(name)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }
}

/// A deterministic generator of test data.
public struct TestRandom {
    var state: UInt64
    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    public mutating func unit() -> Float { Float(Double(next() >> 11) * 0x1.0p-53 * 2 - 1) }
    /// Roughly normal(0, 1).
    public mutating func normal() -> Float { (0..<4).reduce(Float(0)) { s, _ in s + unit() } * 0.866 }
    public mutating func floats(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in normal() * scale } }
}
