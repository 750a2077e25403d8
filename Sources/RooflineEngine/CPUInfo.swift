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

    /// The processor's name ("model name" in /proc/cpuinfo), or "unknown CPU".
    public static let modelName: String = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let v = line.split(separator: ":", maxSplits: 1).last { return v.trimmingCharacters(in: .whitespaces) }
        }
        return "unknown CPU"
    }()

    /// Physical memory in bytes (MemTotal in /proc/meminfo, else what Foundation reports).
    public static let memoryBytes: Double = {
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
                if let kb = line.split(separator: " ").compactMap({ Double($0) }).first { return kb * 1024 }
            }
        }
        return Double(ProcessInfo.processInfo.physicalMemory)
    }()
}
