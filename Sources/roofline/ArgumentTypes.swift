import Foundation
import ArgumentParser
import RooflineGGUF
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

/// `roofline quantize --type`: a ggml type Roofline writes, or a llama.cpp K-quant mix (`QuantProfile`).
enum QuantTarget: ExpressibleByArgument {
    case type(GGMLType), mix(QuantProfile)

    init?(argument: String) {
        if let t = WeightType(argument: argument) { self = .type(t.type) } else if let p = QuantProfile(name: argument) { self = .mix(p) } else { return nil }
    }

    static var allValueStrings: [String] { WeightType.allValueStrings + QuantProfile.allCases.map { $0.rawValue.lowercased() } }
}

/// A ggml type Roofline writes, as ggml spells it in any case (`--keep-output-type`, `--keep-embedding-type`).
struct WeightType: ExpressibleByArgument {
    let type: GGMLType

    init?(argument: String) {
        guard let t = GGMLType(name: argument), Quantizer.supported.contains(t) else { return nil }
        type = t
    }

    static var allValueStrings: [String] { Quantizer.supported.map { $0.name.lowercased() }.sorted() }
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

/// A size in bytes: a whole number, or a number with a K, M, G or T suffix (powers of 1024; "KiB", "MB" and the
/// like read the same), e.g. `512M`, `1.5G`.
struct ByteSize: ExpressibleByArgument {
    let bytes: Int

    init?(argument: String) {
        var text = argument.trimmingCharacters(in: .whitespaces).uppercased()
        for unit in ["IB", "B"] where text.hasSuffix(unit) && text.count > unit.count {
            text.removeLast(unit.count)
            break
        }
        var factor = 1.0
        if let last = text.last, let p = ["K": 1.0, "M": 2.0, "G": 3.0, "T": 4.0][String(last)] {
            factor = pow(1024, p)
            text.removeLast()
        }
        guard !text.isEmpty, text.allSatisfy({ $0.isNumber || $0 == "." }), let value = Double(text), value.isFinite, value > 0 else { return nil }
        let bytes = (value * factor).rounded(.down)
        guard bytes >= 1, bytes < Double(Int.max / 2) else { return nil }
        self.bytes = Int(bytes)
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
