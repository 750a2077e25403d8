import Foundation

/// Facts about this machine's processors.
public enum CPUInfo {
    /// Physical cores, read from /proc/cpuinfo ("core id" per "physical id"); logical CPUs otherwise.
    public static let physicalCores: Int = {
        let logical = ProcessInfo.processInfo.activeProcessorCount
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return logical }
        var pairs = Set<String>()
        var phys = "0"
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            if parts[0] == "physical id" { phys = parts[1] }
            if parts[0] == "core id" { pairs.insert(phys + "/" + parts[1]) }
        }
        return pairs.isEmpty ? logical : min(pairs.count, logical)
    }()
}
