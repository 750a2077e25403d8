import ArgumentParser
import RooflinePlanner
import RooflineQuant

/// `--kernels`: the kernel path, or auto for the best this CPU runs.
enum KernelChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, scalar, avx2, avx512vnni, neon

    /// The library's path for this choice.
    var path: KernelPath {
        switch self {
        case .auto: KernelPath.best
        case .scalar: .scalar
        case .avx2: .avx2
        case .avx512vnni: .avx512vnni
        case .neon: .neon
        }
    }
}

/// `roofline plan --format`.
enum PlanFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv, svg, html
}

/// `--precision` and `--kv-precision` of `roofline plan`: a planner precision, checked as the flag is read.
struct PrecisionArgument: ExpressibleByArgument {
    let value: Precision

    init?(argument: String) {
        guard let p = try? Precision.parse(argument) else { return nil }
        value = p
    }

    static var allValueStrings: [String] { Precision.allCases.map(\.rawValue) }
}
